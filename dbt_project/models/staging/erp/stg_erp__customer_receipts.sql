with

source as (

    select * from {{ source('erp', 'customer_receipts') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('receipt_no') }} as receipt_no,
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('customer_code') }} as customer_code,
        {{ clean_code('currency') }} as currency,
        {{ clean_code('bank_account') }} as bank_account,
        -- amounts
        {{ money('amount') }} as amount,
        {{ money('bank_fee') }} as bank_fee,
        -- dates
        cast(receipt_date as date) as receipt_date,
        {{ document_status_columns() }}

    from source

)

select * from renamed
