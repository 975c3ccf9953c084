-- Every source record that ingestion quarantined (failed validation), from
-- the three raw quarantine tables: what, where, why, and the raw record.

with

unioned as (

    {%- for system in ['erp', 'finance', 'expense'] %}
    select '{{ system }}' as source_system, source_name, table_name, source_location, record_key, reason,
           row_number, column_name, column_value, raw_record, quarantined_at
    from {{ source(system, 'quarantine') }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        {{ dbt.concat([
            "source_system", "'|'", "coalesce(table_name, '')", "'|'", "coalesce(source_location, '')", "'|'",
            "coalesce(record_key, '')", "'|'", "coalesce(reason, '')", "'|'",
            "cast(row_number() over (partition by source_system, table_name, source_location, record_key, reason
                                      order by quarantined_at) as " ~ dbt.type_string() ~ ")"
        ]) }} as quarantine_id,
        source_system,
        source_name,
        table_name,
        source_location,
        record_key,
        reason,
        row_number,
        column_name,
        column_value,
        raw_record,
        cast(quarantined_at as timestamp) as quarantined_at
    from unioned

)

select * from final
