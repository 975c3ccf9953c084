with

source as (

    select * from {{ source('expense', 'employees') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('employee_code') }} as employee_code,
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('dept_code') }} as dept_code,
        -- descriptions
        {{ clean_text('employee_name') }} as employee_name,
        {{ clean_text('employee_name_en') }} as employee_name_en,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
