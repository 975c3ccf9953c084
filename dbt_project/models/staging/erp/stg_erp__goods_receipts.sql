with

source as (

    select * from {{ source('erp', 'goods_receipts') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('gr_no') }} as gr_no,
        {{ clean_code('org_code') }} as org_code,
        {{ clean_code('po_no') }} as po_no,
        {{ clean_code('supplier_code') }} as supplier_code,
        {{ clean_code('currency') }} as currency,
        {{ clean_code('material_group') }} as material_group,
        -- amounts
        {{ money('net_amount') }} as net_amount,
        -- dates
        cast(receipt_date as date) as receipt_date,
        {{ document_status_columns() }}

    from source

)

select * from renamed
