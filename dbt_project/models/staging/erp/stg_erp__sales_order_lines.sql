with

source as (

    select * from {{ source('erp', 'sales_order_lines') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('so_no') }} as so_no,
        {{ clean_code('material_code') }} as material_code,
        -- numbers
        cast(line_no as integer) as line_no,
        -- amounts
        {{ quantity('quantity') }} as quantity,
        {{ money('unit_price') }} as unit_price,
        {{ money('net_amount') }} as net_amount,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
