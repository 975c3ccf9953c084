with

source as (

    select * from {{ source('erp', 'deliveries') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('delivery_no') }} as delivery_no,
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('so_no') }} as so_no,
        {{ clean_code('customer_code') }} as customer_code,
        {{ clean_code('currency') }} as currency,
        -- amounts
        {{ money('net_amount') }} as net_amount,
        {{ money('cost_amount') }} as cost_amount,
        -- dates
        cast(delivery_date as date) as delivery_date,
        {{ document_status_columns() }}

    from source

)

select * from renamed
