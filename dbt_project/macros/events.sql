{#- Helpers of the event models (models/intermediate/events). -#}

{#- The GL's rate from a document's currency into its org's base currency on a date:
    1 when they are equal; null (never 0) when the GL has no rate, which tests catch. -#}
{% macro base_rate(currency, base_currency, rates_alias='rates') -%}
    case when {{ currency }} = {{ base_currency }} then {{ fx_rate('1') }} else {{ rates_alias }}.rate end
{%- endmacro %}

{% macro join_rate(rates_alias, rate_date, currency, base_currency) -%}
    left join {{ ref('stg_finance__gl_fx_rates') }} as {{ rates_alias }}
        on {{ rates_alias }}.rate_date = {{ rate_date }}
        and {{ rates_alias }}.from_currency = {{ currency }}
        and {{ rates_alias }}.to_currency = {{ base_currency }}
{%- endmacro %}

{#- A stable event id: type|document|O (the original) — reversals get |R in int_event_measures. -#}
{% macro event_id(event_type, document_no) -%}
    {{ dbt.concat(["'" ~ event_type ~ "|'", document_no, "'|O'"]) }}
{%- endmacro %}

{#- The basis columns every event model emits (in this order), then measure, amount_base,
    amount_original. Attributes a posting rule may test are listed in event_attribute_names. -#}
{% macro event_basis_names() -%}
    {{ return(["event_id", "event_type", "document_no", "related_document_no", "org_code", "event_date",
               "is_cancelled", "cancelled_date", "base_currency", "currency", "fx_rate", "basis_line_no",
               "supplier_code", "customer_code", "employee_code", "dept_code", "source_table"]
              + event_attribute_names()) }}
{%- endmacro %}

{% macro event_attribute_names() -%}
    {{ return(["material_group", "expense_type", "dept_function", "bank_account", "invoice_kind",
               "invoice_type"]) }}
{%- endmacro %}

{#- Unpivot the measure columns of a wide basis-line CTE (<measure>_base, <measure>_orig) into
    one row per non-zero measure: the event models' common shape. Measures in `base_only`
    exist in the base currency only (realized FX): their currency is the base currency. -#}
{% macro measures_long(cte, measures, base_only=[]) -%}
    {%- for m in measures %}
    select
        {%- for c in event_basis_names() %}
        {%- if m in base_only and c == 'currency' %}
        base_currency as currency,
        {%- elif m in base_only and c == 'fx_rate' %}
        {{ fx_rate('1') }} as fx_rate,
        {%- else %}
        {{ c }},
        {%- endif %}
        {%- endfor %}
        '{{ m }}' as measure,
        {{ money(m ~ '_base') }} as amount_base,
        {{ money(m ~ '_orig') }} as amount_original
    from {{ cte }}
    where coalesce({{ m }}_base, 0) <> 0 or coalesce({{ m }}_orig, 0) <> 0
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- Null-typed placeholders for basis columns a document type does not have. -#}
{% macro null_text(names) -%}
    {%- for n in names %}cast(null as {{ dbt.type_string() }}) as {{ n }}{% if not loop.last %}, {% endif %}{% endfor -%}
{%- endmacro %}
