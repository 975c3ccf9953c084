with

source as (

    select * from {{ source('finance', 'gl_period_status') }}
    where _deleted_at is null  -- rows the source no longer has (see docs/sources.md)

),

ledgers as (

    select {{ clean_code('ledger_code') }} as ledger_code, {{ clean_code('org_code') }} as org_code
    from {{ ref('ledger_org_mappings') }}

),

renamed as (

    select

        -- ids and codes: the ERP org of the GL's ledger (seed ledger_org_mappings)
        coalesce(ledgers.org_code, {{ clean_code('source.org_code') }}) as org_code,
        -- descriptions
        {{ clean_text('source.period') }} as period,
        -- status
        lower(trim(source.status)) as status,
        -- flags
        lower(trim(source.status)) = 'closed' as is_closed,
        -- lineage
        source._dlt_load_id as load_id

    from source
    left join ledgers on ledgers.ledger_code = {{ clean_code('source.org_code') }}

)

select * from renamed
