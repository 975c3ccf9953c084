with

source as (

    select * from {{ source('erp', 'inventory_movements') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('movement_id') }} as movement_id,
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('material_code') }} as material_code,
        {{ clean_code('movement_type') }} as movement_type,
        {{ clean_code('document_no') }} as document_no,
        -- amounts
        {{ quantity('quantity') }} as quantity,
        {{ money('amount_base') }} as amount_base,
        -- dates
        cast(movement_date as date) as movement_date,
        {{ document_status_columns() }}

    from source

)

select * from renamed
