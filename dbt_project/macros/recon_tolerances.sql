{#- One tolerance from the seed recon_tolerances, as a scalar subquery. -#}
{% macro recon_tolerance(name, type=none) -%}
    (select cast(value as {{ type or dbt.type_numeric() }}) from {{ ref('recon_tolerances') }}
     where tolerance = '{{ name }}')
{%- endmacro %}
