with

source as (

    select * from {{ source('expense', 'claim_payment_lines') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('payment_no') }} as payment_no,
        {{ clean_code('claim_id') }} as claim_id,
        -- numbers
        cast(line_no as integer) as line_no,
        -- amounts
        {{ money('amount') }} as amount,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
