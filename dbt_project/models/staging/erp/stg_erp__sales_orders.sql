with

source as (

    select * from {{ source('erp', 'sales_orders') }}

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
