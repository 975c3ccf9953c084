with

source as (

    select * from {{ source('expense', 'approval_steps') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('claim_id') }} as claim_id,
        {{ clean_code('approver_code') }} as approver_code,
        -- numbers
        cast(step_no as integer) as step_no,
        -- status
        lower(trim(action)) as action,
        -- timestamps
        cast(acted_at as timestamp) as acted_at,
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
