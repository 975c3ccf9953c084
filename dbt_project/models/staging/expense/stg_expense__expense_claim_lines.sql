with

source as (

    select * from {{ source('expense', 'expense_claim_lines') }}

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('claim_id') }} as claim_id,
        {{ clean_code('expense_type') }} as expense_type,
        {{ clean_code('invoice_id') }} as invoice_id,
        -- descriptions
        {{ clean_text('description') }} as description,
        -- numbers
        cast(line_no as integer) as line_no,
        -- amounts
        {{ money('amount') }} as amount,
        -- dates
        cast(expense_date as date) as expense_date,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
