-- Every business event's basis lines and named measures, one row per (event, basis line,
-- measure): the input of the posting rules. A cancelled document adds its reversal (红字):
-- the same lines with negated amounts, dated on the cancellation, at the original's rate.
-- A new document type is a new int_events__* model added to the list below.

{%- set models = [
    'int_events__goods_receipts', 'int_events__supplier_invoices', 'int_events__settlements',
    'int_events__deliveries', 'int_events__customer_invoices', 'int_events__expense_claims',
    'int_events__claim_payments', 'int_events__employee_advances'
] %}

with

originals as (
    {%- for m in models %}
    select * from {{ ref(m) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

events as (
    select
        originals.*,
        false as is_reversal,
        event_date as posting_date
    from originals

    union all

    select
        originals.*,
        true as is_reversal,
        cancelled_date as posting_date
    from originals
    where is_cancelled and cancelled_date is not null
),

final as (
    select
        case when is_reversal
            then {{ dbt.concat(["substring(event_id, 1, length(event_id) - 1)", "'R'"]) }}
            else event_id
        end as event_id,
        event_type,
        is_reversal,
        document_no,
        related_document_no,
        org_code,
        posting_date as event_date,
        event_date as document_date,
        {{ to_period('posting_date') }} as period,
        base_currency,
        currency,
        fx_rate,
        basis_line_no,
        supplier_code,
        customer_code,
        employee_code,
        dept_code,
        source_table,
        {%- for a in event_attribute_names() %}
        {{ a }},
        {%- endfor %}
        measure,
        case when is_reversal then -amount_base else amount_base end as amount_base,
        case when is_reversal then -amount_original else amount_original end as amount_original
    from events
)

select * from final
