{#- 'YYYY-MM' of a date, portable (no strftime / to_char). -#}
{% macro to_period(date_expr) -%}
    {{ dbt.concat([
        "cast(extract(year from " ~ date_expr ~ ") as " ~ dbt.type_string() ~ ")",
        "'-'",
        "lpad(cast(extract(month from " ~ date_expr ~ ") as " ~ dbt.type_string() ~ "), 2, '0')"
    ]) }}
{%- endmacro %}

{#- First day of a 'YYYY-MM' period as a date. -#}
{% macro period_start(period_expr) -%}
    cast({{ dbt.concat([period_expr, "'-01'"]) }} as date)
{%- endmacro %}

{#- Last day of a 'YYYY-MM' period as a date. -#}
{% macro period_end(period_expr) -%}
    cast({{ dbt.last_day(period_start(period_expr), 'month') }} as date)
{%- endmacro %}
