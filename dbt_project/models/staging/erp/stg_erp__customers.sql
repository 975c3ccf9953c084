with

source as (

    select * from {{ source('erp', 'customers') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('customer_code') }} as customer_code,
        {{ clean_code('tax_id') }} as tax_id,
        {{ clean_code('country') }} as country,
        {{ clean_code('currency') }} as currency,
        -- descriptions
        {{ clean_text('customer_name') }} as customer_name,
        {{ clean_text('customer_name_en') }} as customer_name_en,
        -- numbers
        cast(credit_days as integer) as credit_days,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
