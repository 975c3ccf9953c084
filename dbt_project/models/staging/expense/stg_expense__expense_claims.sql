with

source as (

    select * from {{ source('expense', 'expense_claims') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('claim_id') }} as claim_id,
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('employee_code') }} as employee_code,
        {{ clean_code('dept_code') }} as dept_code,
        {{ clean_code('currency') }} as currency,
        {{ clean_code('advance_no') }} as advance_no,
        -- amounts
        {{ money('gross_amount') }} as gross_amount,
        {{ money('coalesce(advance_offset, 0)') }} as advance_offset,
        {{ money('coalesce(payable_amount, gross_amount - coalesce(advance_offset, 0))') }} as payable_amount,
        -- dates
        cast(claim_date as date) as claim_date,
        cast(approved_date as date) as approved_date,
        cast(paid_date as date) as paid_date,
        -- status
        lower(trim(status)) as status,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- document flags
        lower(trim(status)) in ('approved', 'paid') as is_approved,
        lower(trim(status)) = 'paid' as is_paid,
        lower(trim(status)) = 'cancelled' as is_cancelled,
        lower(trim(status)) in ('draft', 'submitted') as is_draft,
        lower(trim(status)) = 'rejected' as is_rejected,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
