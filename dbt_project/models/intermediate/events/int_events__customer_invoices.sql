-- Customer invoices: D 1122 gross, C 6001 net, C 22210108 tax (base currency at the invoice rate).
with

invoices as (
    select * from {{ ref('int_customer_invoices_valued') }}
),

basis as (
    select
        {{ event_id('SINV', 'invoice_no') }} as event_id,
        'SINV' as event_type,
        invoice_no as document_no,
        delivery_no as related_document_no,
        org_code,
        invoice_date as event_date,
        is_cancelled,
        cancelled_date,
        base_currency,
        currency,
        fx_rate,
        1 as basis_line_no,
        cast(null as {{ dbt.type_string() }}) as supplier_code,
        customer_code,
        {{ null_text(['employee_code', 'dept_code']) }},
        'customer_invoices' as source_table,
        'GOODS' as material_group,
        {{ null_text(['expense_type', 'dept_function', 'bank_account', 'invoice_kind', 'invoice_type']) }},
        net_amount_base as net_base,
        net_amount as net_orig,
        tax_amount_base as tax_base,
        tax_amount as tax_orig,
        gross_amount_base as gross_base,
        gross_amount as gross_orig
    from invoices
)

{{ measures_long('basis', ['net', 'tax', 'gross']) }}
