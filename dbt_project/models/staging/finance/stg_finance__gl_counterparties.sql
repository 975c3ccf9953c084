-- The GL's counterparty list. A GL that knows parties by name only (no code column) uses the
-- name as its code: lines then carry names, and the list maps them by tax id.
{%- set src = source('finance', 'gl_counterparties') %}

with

source as (

    select * from {{ src }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

renamed as (

    select

        -- ids and codes
        case trim(party_type) when '供应商' then 'supplier' when '客户' then 'customer' else lower(trim(party_type)) end as party_type,
        coalesce({{ clean_code(optional_column(src, 'gl_code')) }}, {{ clean_code(optional_column(src, 'party_name')) }})
            as gl_code,
        {{ clean_code(optional_column(src, 'tax_id')) }} as tax_id,
        -- descriptions (a GL keyed by names has only the name: it is the code too)
        coalesce({{ clean_text(optional_column(src, 'party_name')) }}, {{ clean_text(optional_column(src, 'gl_code')) }})
            as party_name,
        -- lineage
        _dlt_load_id as load_id

    from source

)

select * from renamed
