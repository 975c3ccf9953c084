with

source as (

    select * from {{ source('finance', 'gl_period_status') }}

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('org_code') }} as org_code,
        -- descriptions
        {{ clean_text('period') }} as period,
        -- status
        lower(trim(status)) as status,
        -- flags
        lower(trim(status)) = 'closed' as is_closed,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
