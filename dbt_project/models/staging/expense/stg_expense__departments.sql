with

source as (

    select * from {{ source('expense', 'departments') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('dept_code') }} as dept_code,
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('function') }} as function,
        -- descriptions
        {{ clean_text('dept_name') }} as dept_name,
        {{ clean_text('dept_name_en') }} as dept_name_en,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
