-- Goods receipts: one basis line per receipt line.
-- measure receipt_value: the line's value at the receipt date's rate
--   (posted D inventory by material group, C 220202 GR/IR).
with

lines as (
    select * from {{ ref('int_goods_receipt_lines_valued') }}
),

basis as (
    select
        {{ event_id('GR', 'gr_no') }} as event_id,
        'GR' as event_type,
        gr_no as document_no,
        po_no as related_document_no,
        org_code,
        receipt_date as event_date,
        is_cancelled,
        cancelled_date,
        base_currency,
        currency,
        fx_rate,
        line_no as basis_line_no,
        supplier_code,
        {{ null_text(['customer_code', 'employee_code', 'dept_code']) }},
        'goods_receipts' as source_table,
        material_group,
        {{ null_text(['expense_type', 'dept_function', 'bank_account', 'invoice_kind', 'invoice_type']) }},
        net_amount_base as receipt_value_base,
        net_amount as receipt_value_orig
    from lines
)

{{ measures_long('basis', ['receipt_value']) }}
