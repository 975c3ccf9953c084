{#- Fixed numeric types: every amount is cast once, through these macros. -#}

{% macro money(expr) -%}
    cast({{ expr }} as decimal(18, 2))
{%- endmacro %}

{% macro quantity(expr) -%}
    cast({{ expr }} as decimal(18, 3))
{%- endmacro %}

{% macro fx_rate(expr) -%}
    cast({{ expr }} as decimal(18, 6))
{%- endmacro %}

{#- A code as text: trimmed, upper case, empty -> null (leading zeros kept). -#}
{% macro clean_code(expr) -%}
    nullif(upper(trim(cast({{ expr }} as {{ dbt.type_string() }}))), '')
{%- endmacro %}

{#- Free text: trimmed, empty -> null. -#}
{% macro clean_text(expr) -%}
    nullif(trim(cast({{ expr }} as {{ dbt.type_string() }})), '')
{%- endmacro %}
