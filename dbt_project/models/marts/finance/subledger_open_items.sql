-- Open items of the ERP subledgers at each period end: AR (customer invoices
-- minus receipts) and AP (supplier invoices minus payments), applied by
-- invoice_no. A cancelled invoice is open until its cancellation date; a
-- settlement that names no known invoice stays an unapplied item of its own.
-- Point in time: only documents dated on or before the period end count.

with

events as (

    select * from {{ ref('fct_business_events') }}
    where event_type in ('SINV', 'REC', 'PINV', 'PAY') and not is_reversal

),

invoices as (

    select invoice_no, due_date from {{ ref('stg_erp__customer_invoices') }}
    union all
    select invoice_no, due_date from {{ ref('stg_erp__supplier_invoices') }}

),

reversals as (

    select document_no, event_type, event_date as cancelled_date
    from {{ ref('fct_business_events') }}
    where is_reversal

),

items as (

    select
        case when events.event_type in ('SINV', 'REC') then 'AR' else 'AP' end as ledger,
        events.org_code,
        events.counterparty_code,
        events.event_type,
        events.document_no,
        case
            when events.event_type in ('SINV', 'PINV') then events.document_no
            when known_invoice.invoice_no is not null then events.related_document_no
            else events.document_no
        end as item_key,
        events.event_date as document_date,
        reversals.cancelled_date,
        events.currency,
        events.base_currency,
        case when events.event_type in ('SINV', 'PINV') then events.gross_amount else -events.gross_amount end
            as amount,
        case when events.event_type in ('SINV', 'PINV') then events.gross_amount_base
             else -events.gross_amount_base end as amount_base
    from events
    left join reversals
        on events.document_no = reversals.document_no and events.event_type = reversals.event_type
    left join invoices as known_invoice
        on events.related_document_no = known_invoice.invoice_no

),

periods as (

    select org_code, period, period_end_date from {{ ref('dim_period') }}

),

as_of as (

    select
        periods.period,
        periods.period_end_date as as_of_date,
        items.*
    from items
    inner join periods
        on items.org_code = periods.org_code
        and items.document_date <= periods.period_end_date
        and (items.cancelled_date is null or items.cancelled_date > periods.period_end_date)

),

grouped as (

    select
        ledger,
        org_code,
        period,
        as_of_date,
        item_key,
        max(counterparty_code) as counterparty_code,
        max(currency) as currency,
        max(base_currency) as base_currency,
        min(case when event_type in ('SINV', 'PINV') then document_date end) as invoice_date,
        sum(amount) as open_amount,
        sum(amount_base) as open_amount_base,
        sum(case when event_type in ('SINV', 'PINV') then amount else 0 end) as invoiced_amount,
        sum(case when event_type in ('REC', 'PAY') then -amount else 0 end) as settled_amount,
        count(*) as document_count
    from as_of
    group by ledger, org_code, period, as_of_date, item_key

),

final as (

    select
        {{ dbt.concat(["ledger", "'|'", "org_code", "'|'", "period", "'|'", "item_key"]) }} as open_item_id,
        grouped.ledger,
        grouped.org_code,
        grouped.period,
        grouped.as_of_date,
        grouped.item_key,
        grouped.invoice_date is not null as is_invoice,
        grouped.counterparty_code,
        grouped.currency,
        grouped.base_currency,
        grouped.invoice_date,
        coalesce(invoices.due_date, grouped.invoice_date, grouped.as_of_date) as due_date,
        {{ dbt.datediff('coalesce(invoices.due_date, grouped.invoice_date, grouped.as_of_date)',
                        'grouped.as_of_date', 'day') }} as days_past_due,
        {{ money('grouped.invoiced_amount') }} as invoiced_amount,
        {{ money('grouped.settled_amount') }} as settled_amount,
        {{ money('grouped.open_amount') }} as open_amount,
        {{ money('grouped.open_amount_base') }} as open_amount_base,
        grouped.document_count
    from grouped
    left join invoices
        on grouped.item_key = invoices.invoice_no
    where grouped.open_amount <> 0

)

select * from final
