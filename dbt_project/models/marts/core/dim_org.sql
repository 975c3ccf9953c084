with

orgs as (

    select * from {{ ref('stg_erp__orgs') }}

),

final as (

    select
        org_code,
        org_name,
        org_name_en,
        country,
        base_currency,
        '{{ var("reporting_currency") }}' as reporting_currency,
        base_currency <> '{{ var("reporting_currency") }}' as needs_translation
    from orgs

)

select * from final
