-- Supplier invoice headers with their booked base-currency values (the sum of the lines'),
-- the carrying amount every payment allocation relieves from.

with

lines as (
    select * from {{ ref('int_supplier_invoice_lines_valued') }}
),

headers as (
    select * from {{ ref('stg_erp__supplier_invoices') }}
    where status in ('approved', 'cancelled')
),

totals as (
    select
        invoice_no,
        sum(net_amount) as net_amount,
        sum(tax_amount) as tax_amount,
        sum(net_amount_base) as net_amount_base,
        sum(tax_amount_base) as tax_amount_base,
        min(fx_rate) as fx_rate,
        min(base_currency) as base_currency,
        min(invoice_kind) as invoice_kind,
        min(gr_no) as first_gr_no
    from lines
    group by invoice_no
),

final as (
    select
        headers.invoice_no,
        headers.org_code,
        headers.supplier_code,
        headers.invoice_date,
        headers.due_date,
        headers.is_cancelled,
        headers.cancelled_date,
        totals.invoice_kind,
        headers.currency,
        totals.base_currency,
        totals.fx_rate,
        totals.first_gr_no,
        {{ money('totals.net_amount') }} as net_amount,
        {{ money('totals.tax_amount') }} as tax_amount,
        {{ money('totals.net_amount + totals.tax_amount') }} as gross_amount,
        {{ money('totals.net_amount_base') }} as net_amount_base,
        {{ money('totals.tax_amount_base') }} as tax_amount_base,
        {{ money('totals.net_amount_base + totals.tax_amount_base') }} as gross_amount_base
    from headers
    inner join totals on totals.invoice_no = headers.invoice_no
)

select * from final
