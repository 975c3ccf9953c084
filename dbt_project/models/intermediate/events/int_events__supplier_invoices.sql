-- Supplier invoices: one basis line per invoice line.
-- Goods lines (invoice_kind GOODS, referencing a receipt line):
--   receipt_value_cleared  D 220202 — the receipt value the line clears
--   price_difference       D/C inventory (or a variance account) — net (base) − value cleared
-- Service lines (no receipt; expense type and department):
--   expense                D expense by expense type × department function
-- Every line: tax D 22210101; gross C 220201 (net + tax, base currency at the invoice rate).
with

lines as (
    select * from {{ ref('int_supplier_invoice_lines_valued') }}
),

basis as (
    select
        {{ event_id('PINV', 'invoice_no') }} as event_id,
        'PINV' as event_type,
        invoice_no as document_no,
        gr_no as related_document_no,
        org_code,
        invoice_date as event_date,
        is_cancelled,
        cancelled_date,
        base_currency,
        currency,
        fx_rate,
        line_no as basis_line_no,
        supplier_code,
        {{ null_text(['customer_code', 'employee_code']) }},
        dept_code,
        'supplier_invoices' as source_table,
        material_group,
        expense_type,
        dept_function,
        cast(null as {{ dbt.type_string() }}) as bank_account,
        invoice_kind,
        cast(null as {{ dbt.type_string() }}) as invoice_type,
        cleared_amount_base as receipt_value_cleared_base,
        cleared_amount as receipt_value_cleared_orig,
        price_difference_base as price_difference_base,
        price_difference as price_difference_orig,
        case when not has_receipt then net_amount_base end as expense_base,
        case when not has_receipt then net_amount end as expense_orig,
        net_amount_base as net_base,
        net_amount as net_orig,
        tax_amount_base as tax_base,
        tax_amount as tax_orig,
        gross_amount_base as gross_base,
        gross_amount as gross_orig
    from lines
)

{{ measures_long('basis', ['receipt_value_cleared', 'price_difference', 'expense', 'net', 'tax', 'gross']) }}
