with

source as (

    select * from {{ source('expense', 'expense_claim_lines') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('claim_id') }} as claim_id,
        {{ clean_code('expense_type') }} as expense_type,
        {{ clean_code('invoice_id') }} as invoice_id,
        {{ clean_code('invoice_type') }} as invoice_type,
        -- descriptions
        {{ clean_text('description') }} as description,
        -- numbers
        cast(line_no as integer) as line_no,
        -- amounts
        {{ money('amount') }} as amount,
        {{ money('fare_amount') }} as fare_amount,
        {{ money('fuel_surcharge') }} as fuel_surcharge,
        {{ money('other_fees') }} as other_fees,
        -- dates
        cast(expense_date as date) as expense_date,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
