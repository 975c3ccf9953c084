{#- The value of a named event attribute in int_event_measures (for rule conditions and
    mapping keys): a CASE over every attribute the event models expose, so a new attribute
    needs only to be added to event_attribute_names() and the event models. -#}
{% macro attribute_value(name_expr, alias='m') -%}
    case {{ name_expr }}
        {%- for a in ['event_type', 'org_code', 'currency', 'base_currency', 'dept_code', 'supplier_code',
                      'customer_code', 'employee_code'] + event_attribute_names() %}
        when '{{ a }}' then cast({{ alias }}.{{ a }} as {{ dbt.type_string() }})
        {%- endfor %}
        when 'is_reversal' then case when {{ alias }}.is_reversal then 'true' else 'false' end
    end
{%- endmacro %}

{#- One row per element of a `sep`-separated list column (rule conditions). -#}
{% macro split_rows(expr, sep) -%}
    {{ return(adapter.dispatch('split_rows', 'ledgerbridge')(expr, sep)) }}
{%- endmacro %}

{% macro default__split_rows(expr, sep) -%}
    unnest(string_split({{ expr }}, '{{ sep }}'))
{%- endmacro %}

{% macro postgres__split_rows(expr, sep) -%}
    unnest(string_to_array({{ expr }}, '{{ sep }}'))
{%- endmacro %}
