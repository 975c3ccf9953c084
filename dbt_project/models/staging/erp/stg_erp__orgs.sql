with

source as (

    select * from {{ source('erp', 'orgs') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('country') }} as country,
        {{ clean_code('base_currency') }} as base_currency,
        {{ clean_code('tax_id') }} as tax_id,
        -- descriptions
        {{ clean_text('org_name') }} as org_name,
        {{ clean_text('org_name_en') }} as org_name_en,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
