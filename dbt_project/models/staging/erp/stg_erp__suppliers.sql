with

source as (

    select * from {{ source('erp', 'suppliers') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('supplier_code') }} as supplier_code,
        {{ clean_code('tax_id') }} as tax_id,
        {{ clean_code('country') }} as country,
        {{ clean_code('currency') }} as currency,
        -- descriptions
        {{ clean_text('supplier_name') }} as supplier_name,
        {{ clean_text('supplier_name_en') }} as supplier_name_en,
        -- numbers
        cast(payment_days as integer) as payment_days,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
