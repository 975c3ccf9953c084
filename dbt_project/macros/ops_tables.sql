{#- on-run-start: the table that `ledgerbridge run` fills with the results of
    this dbt build (tests passed/failed/warned per node) before it publishes.
    monitoring.mon_dbt_results reads it. -#}
{% macro create_ops_tables() -%}
    create schema if not exists ops;
    create table if not exists ops.dbt_results (
        run_id {{ dbt.type_string() }},
        unique_id {{ dbt.type_string() }},
        resource_type {{ dbt.type_string() }},
        node_name {{ dbt.type_string() }},
        status {{ dbt.type_string() }},
        failures integer,
        message {{ dbt.type_string() }},
        execution_seconds double precision,
        completed_at timestamp
    )
{%- endmacro %}
