with

source as (

    select * from {{ source('erp', 'supplier_invoice_lines') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        {{ clean_code('invoice_no') }} as invoice_no,
        {{ clean_code('gr_no') }} as gr_no,
        {{ clean_code('material_code') }} as material_code,
        {{ clean_code('expense_type') }} as expense_type,
        {{ clean_code('dept_code') }} as dept_code,
        -- numbers
        cast(line_no as integer) as line_no,
        cast(gr_line_no as integer) as gr_line_no,
        -- amounts
        {{ quantity('quantity') }} as quantity,
        {{ money('unit_price') }} as unit_price,
        {{ money('net_amount') }} as net_amount,
        cast(tax_rate as decimal(6, 4)) as tax_rate,
        {{ money('tax_amount') }} as tax_amount,
        -- timestamps
        cast(updated_at as timestamp) as updated_at,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
