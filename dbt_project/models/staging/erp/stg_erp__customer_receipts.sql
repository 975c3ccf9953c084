with

source as (

    select * from {{ source('erp', 'customer_receipts') }}

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('receipt_no') }} as receipt_no,
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('customer_code') }} as customer_code,
        {{ clean_code('invoice_no') }} as invoice_no,
        {{ clean_code('currency') }} as currency,
        {{ clean_code('bank_account') }} as bank_account,
        -- amounts
        {{ money('amount') }} as amount,
        -- dates
        cast(receipt_date as date) as receipt_date,
        -- status
        lower(trim(status)) as status,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- document flags
        lower(trim(status)) = 'approved' as is_approved,
        lower(trim(status)) = 'cancelled' as is_cancelled,
        lower(trim(status)) = 'draft' as is_draft,
        case when lower(trim(status)) = 'cancelled' then cast(updated_at as date) end as cancelled_date,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
