with

source as (

    select * from {{ source('erp', 'sales_orders') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('so_no') }} as so_no,
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('customer_code') }} as customer_code,
        {{ clean_code('currency') }} as currency,
        -- amounts
        cast(tax_rate as decimal(6, 4)) as tax_rate,
        {{ money('net_amount') }} as net_amount,
        {{ money('tax_amount') }} as tax_amount,
        {{ money('gross_amount') }} as gross_amount,
        -- dates
        cast(order_date as date) as order_date,
        {{ document_status_columns() }}

    from source

)

select * from renamed
