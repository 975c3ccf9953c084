-- Supplier invoice lines in base currency (invoice date's rate, per line) and, for goods
-- lines, the receipt value each line clears from GR/IR: the received line's base value pro
-- rata of the quantity invoiced so far, in invoice date order (then invoice number, line),
-- so that the invoice completing a receipt line clears exactly what is left. The price
-- difference is the invoice's net (base) less the receipt value it clears.
-- Cancelled invoices are included: they cleared when booked, their reversal un-clears.

with

headers as (
    select * from {{ ref('stg_erp__supplier_invoices') }}
    where status in ('approved', 'cancelled')
),

lines as (
    select * from {{ ref('stg_erp__supplier_invoice_lines') }}
),

receipts as (
    select * from {{ ref('int_goods_receipt_lines_valued') }}
),

departments as (
    select dept_code, function as dept_function from {{ ref('stg_expense__departments') }}
),

orgs as (
    select org_code, base_currency from {{ ref('stg_erp__orgs') }}
),

joined as (
    select
        lines.invoice_no,
        lines.line_no,
        headers.org_code,
        headers.supplier_code,
        headers.invoice_date,
        headers.is_cancelled,
        headers.cancelled_date,
        coalesce(headers.invoice_kind, case when lines.gr_no is not null then 'GOODS' else 'SERVICE' end)
            as invoice_kind,
        headers.currency,
        orgs.base_currency,
        {{ base_rate('headers.currency', 'orgs.base_currency') }} as fx_rate,
        lines.gr_no,
        lines.gr_line_no,
        lines.quantity,
        lines.expense_type,
        lines.dept_code,
        departments.dept_function,
        receipts.material_group,
        receipts.quantity as received_quantity,
        receipts.net_amount as received_amount,
        receipts.net_amount_base as received_amount_base,
        lines.net_amount,
        lines.tax_amount
    from lines
    inner join headers on headers.invoice_no = lines.invoice_no
    left join orgs on orgs.org_code = headers.org_code
    left join receipts on receipts.gr_no = lines.gr_no and receipts.line_no = lines.gr_line_no
    left join departments on departments.dept_code = lines.dept_code
    {{ join_rate('rates', 'headers.invoice_date', 'headers.currency', 'orgs.base_currency') }}
),

cumulative as (
    select
        *,
        sum(quantity) over (
            partition by gr_no, gr_line_no
            order by invoice_date, invoice_no, line_no
            rows between unbounded preceding and current row
        ) as invoiced_quantity_to_date
    from joined
),

cleared as (
    select
        *,
        case when gr_no is not null then
            {{ prorate('received_amount_base', 'invoiced_quantity_to_date', 'received_quantity', 1000) }}
            - {{ prorate('received_amount_base', 'invoiced_quantity_to_date - quantity', 'received_quantity', 1000) }}
        end as cleared_amount_base,
        case when gr_no is not null then
            {{ prorate('received_amount', 'invoiced_quantity_to_date', 'received_quantity', 1000) }}
            - {{ prorate('received_amount', 'invoiced_quantity_to_date - quantity', 'received_quantity', 1000) }}
        end as cleared_amount
    from cumulative
),

final as (
    select
        invoice_no,
        line_no,
        org_code,
        supplier_code,
        invoice_date,
        is_cancelled,
        cancelled_date,
        upper(invoice_kind) as invoice_kind,
        currency,
        base_currency,
        fx_rate,
        gr_no,
        gr_line_no,
        gr_no is not null as has_receipt,
        material_group,
        expense_type,
        dept_code,
        dept_function,
        quantity,
        net_amount,
        tax_amount,
        {{ money('net_amount + tax_amount') }} as gross_amount,
        {{ convert_amount('net_amount', 'fx_rate') }} as net_amount_base,
        {{ convert_amount('tax_amount', 'fx_rate') }} as tax_amount_base,
        {{ money(convert_amount('net_amount', 'fx_rate') ~ ' + ' ~ convert_amount('tax_amount', 'fx_rate')) }}
            as gross_amount_base,
        {{ money('cleared_amount_base') }} as cleared_amount_base,
        {{ money('cleared_amount') }} as cleared_amount,
        {{ money(convert_amount('net_amount', 'fx_rate') ~ ' - cleared_amount_base') }} as price_difference_base,
        {{ money('net_amount - cleared_amount') }} as price_difference
    from cleared
)

select * from final
