with

source as (

    select * from {{ source('erp', 'supplier_payments') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('payment_no') }} as payment_no,
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('supplier_code') }} as supplier_code,
        {{ clean_code('currency') }} as currency,
        {{ clean_code('bank_account') }} as bank_account,
        -- amounts
        {{ money('amount') }} as amount,
        {{ money('bank_fee') }} as bank_fee,
        -- dates
        cast(payment_date as date) as payment_date,
        {{ document_status_columns() }}

    from source

)

select * from renamed
