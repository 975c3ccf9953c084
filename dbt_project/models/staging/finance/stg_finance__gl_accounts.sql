with

source as (

    select * from {{ source('finance', 'gl_accounts') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('account_code') }} as account_code,
        {{ clean_code('parent_code') }} as parent_code,
        -- descriptions
        {{ clean_text('account_name') }} as account_name,
        {{ clean_text('account_name_en') }} as account_name_en,
        {{ clean_text('account_category') }} as account_category,
        {{ clean_text('balance_direction') }} as balance_direction,
        -- numbers
        cast(level as integer) as level,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
