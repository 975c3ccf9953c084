with

source as (

    select * from {{ source('erp', 'materials') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('material_code') }} as material_code,
        {{ clean_code('material_group') }} as material_group,
        -- descriptions
        {{ clean_text('material_name') }} as material_name,
        {{ clean_text('material_name_en') }} as material_name_en,
        {{ clean_text('uom') }} as uom,
        -- amounts
        {{ money('standard_cost') }} as standard_cost,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
