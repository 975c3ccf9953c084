with

source as (

    select * from {{ source('expense', 'vat_invoices') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('invoice_id') }} as invoice_id,
        {{ clean_code('invoice_code') }} as invoice_code,
        {{ clean_code('invoice_number') }} as invoice_number,
        {{ clean_code('seller_tax_id') }} as seller_tax_id,
        {{ clean_code('currency') }} as currency,
        -- descriptions
        {{ clean_text('seller_name') }} as seller_name,
        -- amounts
        {{ money('amount') }} as amount,
        {{ money('tax_amount') }} as tax_amount,
        {{ money('total_amount') }} as total_amount,
        -- dates
        cast(issue_date as date) as issue_date,
        -- status
        lower(trim(invoice_type)) as invoice_type,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
