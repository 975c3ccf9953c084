with

source as (

    select * from {{ source('erp', 'customer_receipt_allocations') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('receipt_no') }} as receipt_no,
        {{ clean_code('invoice_no') }} as invoice_no,
        -- numbers
        cast(line_no as integer) as line_no,
        -- amounts
        {{ money('amount') }} as amount,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
