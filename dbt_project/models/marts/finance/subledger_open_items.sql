-- Open items of the ERP subledgers at each period end: AR (customer invoices less what
-- receipts allocated to them) and AP (supplier invoices less payments' allocations); the
-- unallocated part of a settlement (a prepayment or customer advance) is an item of its
-- own. Base-currency amounts are carrying amounts (the invoices' booked values). A
-- cancelled invoice is open until its cancellation date. Point in time: only documents
-- dated on or before the period end count.

with

invoices as (

    select 'AR' as ledger, invoice_no, org_code, customer_code as counterparty_code, invoice_date, due_date,
        cancelled_date, currency, base_currency, gross_amount, gross_amount_base
    from {{ ref('int_customer_invoices_valued') }}
    union all
    select 'AP' as ledger, invoice_no, org_code, supplier_code, invoice_date, due_date, cancelled_date,
        currency, base_currency, gross_amount, gross_amount_base
    from {{ ref('int_supplier_invoices_valued') }}

),

allocations as (

    select * from {{ ref('int_settlement_allocations') }}

),

settlements as (

    select * from {{ ref('int_settlements_valued') }}

),

items as (

    select ledger, org_code, counterparty_code, 'invoice' as item_type, invoice_no as item_key,
        invoice_date as document_date, cancelled_date, currency, base_currency,
        gross_amount as amount, gross_amount_base as amount_base
    from invoices
    union all
    select allocations.ledger, allocations.org_code, allocations.party_code, 'allocation', allocations.invoice_no,
        allocations.settlement_date, settlements.cancelled_date, allocations.currency, settlements.base_currency,
        -allocations.amount, -allocations.carrying_amount_base
    from allocations
    inner join settlements
        on settlements.ledger = allocations.ledger and settlements.settlement_no = allocations.settlement_no
    union all
    select ledger, org_code, party_code, 'prepayment', settlement_no, settlement_date, cancelled_date, currency,
        base_currency, -prepayment_amount, -prepayment_amount_base
    from settlements
    where prepayment_amount <> 0

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
        min(case when item_type = 'invoice' then document_date end) as invoice_date,
        sum(amount) as open_amount,
        sum(amount_base) as open_amount_base,
        sum(case when item_type = 'invoice' then amount else 0 end) as invoiced_amount,
        sum(case when item_type <> 'invoice' then -amount else 0 end) as settled_amount,
        count(*) as document_count
    from as_of
    group by ledger, org_code, period, as_of_date, item_key

),

final as (

    select
        {{ dbt.concat(["grouped.ledger", "'|'", "grouped.org_code", "'|'", "grouped.period", "'|'", "grouped.item_key"]) }} as open_item_id,
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
        on grouped.ledger = invoices.ledger and grouped.item_key = invoices.invoice_no
    where grouped.open_amount <> 0 or grouped.open_amount_base <> 0

)

select * from final
