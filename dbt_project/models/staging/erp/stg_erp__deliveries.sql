with

source as (

    select * from {{ source('erp', 'deliveries') }}

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
