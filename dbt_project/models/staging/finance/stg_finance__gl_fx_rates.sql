with

source as (

    select * from {{ source('finance', 'gl_fx_rates') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('from_currency') }} as from_currency,
        {{ clean_code('to_currency') }} as to_currency,
        -- amounts
        {{ fx_rate('rate') }} as rate,
        -- dates
        cast(rate_date as date) as rate_date,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
