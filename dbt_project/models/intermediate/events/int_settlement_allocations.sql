-- Every allocation line of a supplier payment (AP) or customer receipt (AR) with its
-- carrying amount: the share of the invoice's booked gross (base currency) it relieves,
-- pro rata of the document-currency amount allocated so far (in settlement date order,
-- then settlement number and line), the allocation completing an invoice relieving exactly
-- what is left.

with

ap as (
    select
        'AP' as ledger,
        pay.payment_no as settlement_no,
        pay.org_code,
        pay.supplier_code as party_code,
        pay.payment_date as settlement_date,
        pay.currency,
        alloc.line_no,
        alloc.invoice_no,
        alloc.amount
    from {{ ref('stg_erp__supplier_payment_allocations') }} as alloc
    inner join {{ ref('stg_erp__supplier_payments') }} as pay
        on pay.payment_no = alloc.payment_no
    where pay.status in ('approved', 'cancelled')
),

ar as (
    select
        'AR' as ledger,
        rec.receipt_no as settlement_no,
        rec.org_code,
        rec.customer_code as party_code,
        rec.receipt_date as settlement_date,
        rec.currency,
        alloc.line_no,
        alloc.invoice_no,
        alloc.amount
    from {{ ref('stg_erp__customer_receipt_allocations') }} as alloc
    inner join {{ ref('stg_erp__customer_receipts') }} as rec
        on rec.receipt_no = alloc.receipt_no
    where rec.status in ('approved', 'cancelled')
),

invoices as (
    select 'AP' as ledger, invoice_no, gross_amount, gross_amount_base, invoice_date, due_date
    from {{ ref('int_supplier_invoices_valued') }}
    union all
    select 'AR' as ledger, invoice_no, gross_amount, gross_amount_base, invoice_date, due_date
    from {{ ref('int_customer_invoices_valued') }}
),

allocations as (
    select * from ap
    union all
    select * from ar
),

cumulative as (
    select
        allocations.*,
        invoices.gross_amount as invoice_gross_amount,
        invoices.gross_amount_base as invoice_gross_amount_base,
        invoices.invoice_date,
        invoices.due_date,
        sum(allocations.amount) over (
            partition by allocations.ledger, allocations.invoice_no
            order by allocations.settlement_date, allocations.settlement_no, allocations.line_no
            rows between unbounded preceding and current row
        ) as allocated_to_date
    from allocations
    left join invoices
        on invoices.ledger = allocations.ledger and invoices.invoice_no = allocations.invoice_no
),

final as (
    select
        {{ dbt.concat(["ledger", "'|'", "settlement_no", "'|'", "cast(line_no as " ~ dbt.type_string() ~ ")"]) }}
            as allocation_id,
        ledger,
        settlement_no,
        line_no,
        org_code,
        party_code,
        settlement_date,
        currency,
        invoice_no,
        invoice_date,
        due_date,
        amount,
        invoice_gross_amount,
        invoice_gross_amount_base,
        allocated_to_date,
        invoice_gross_amount is not null as invoice_found,
        {{ prorate('invoice_gross_amount_base', 'allocated_to_date', 'invoice_gross_amount') }}
            - {{ prorate('invoice_gross_amount_base', 'allocated_to_date - amount', 'invoice_gross_amount') }}
            as carrying_amount_base
    from cumulative
)

select * from final
