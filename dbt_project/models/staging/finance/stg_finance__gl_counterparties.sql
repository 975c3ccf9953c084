with

source as (

    select * from {{ source('finance', 'gl_counterparties') }}

),

renamed as (

    select

        -- ids and codes
        case trim(party_type) when '供应商' then 'supplier' when '客户' then 'customer' else lower(trim(party_type)) end as party_type,
        {{ clean_code('gl_code') }} as gl_code,
        {{ clean_code('tax_id') }} as tax_id,
        -- descriptions
        {{ clean_text('party_name') }} as party_name,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
