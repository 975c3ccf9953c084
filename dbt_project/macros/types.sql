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

{#- A ratio rounded to 4 places; null when the denominator is 0 or null. -#}
{% macro ratio(numerator, denominator) -%}
    cast(round(cast({{ numerator }} as decimal(38, 10)) / nullif({{ denominator }}, 0), 4) as decimal(12, 4))
{%- endmacro %}

{#- A column of a source that a company's export may not have: the column when the
    relation has it, else a typed null (layouts differ; the mapping file says which exist). -#}
{% macro optional_column(relation, name, type=none) -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for c in adapter.get_columns_in_relation(relation) -%}
            {%- if c.name | lower == name | lower -%}{%- do present.append(c.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if present -%}{{ name }}{%- else -%}cast(null as {{ type or dbt.type_string() }}){%- endif -%}
{%- endmacro %}
