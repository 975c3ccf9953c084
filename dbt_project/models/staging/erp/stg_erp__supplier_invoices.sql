with

source as (

    select * from {{ source('erp', 'supplier_invoices') }}

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('invoice_no') }} as invoice_no,
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('supplier_code') }} as supplier_code,
        {{ clean_code('po_no') }} as po_no,
        {{ clean_code('gr_no') }} as gr_no,
        {{ clean_code('currency') }} as currency,
        {{ clean_code('vat_invoice_no') }} as vat_invoice_no,
        -- amounts
        cast(tax_rate as decimal(6, 4)) as tax_rate,
        {{ money('net_amount') }} as net_amount,
        {{ money('tax_amount') }} as tax_amount,
        {{ money('gross_amount') }} as gross_amount,
        -- dates
        cast(invoice_date as date) as invoice_date,
        cast(due_date as date) as due_date,
        {{ document_status_columns() }}

    from source

)

select * from renamed
