-- Business events with base-currency amounts: the GL's daily rate (gl_fx_rates,
-- document currency -> the org's base currency) on the rate date; 1 when the
-- currencies are equal. net and tax are converted and rounded to the cent
-- (half away from zero); gross_base = net_base + tax_base, as a voucher
-- balances. A missing rate leaves fx_rate and the base amounts null (never 0):
-- the not_null tests and assert_fx_rate_available fail the build.

with

events as (

    select * from {{ ref('int_business_events_unioned') }}

),

orgs as (

    select org_code, base_currency from {{ ref('stg_erp__orgs') }}

),

rates as (

    select rate_date, from_currency, to_currency, rate from {{ ref('stg_finance__gl_fx_rates') }}

),

joined as (

    select
        events.*,
        orgs.base_currency,
        case
            when events.currency = orgs.base_currency then {{ fx_rate('1') }}
            else rates.rate
        end as fx_rate
    from events
    left join orgs
        on events.org_code = orgs.org_code
    left join rates
        on events.rate_date = rates.rate_date
        and events.currency = rates.from_currency
        and orgs.base_currency = rates.to_currency

),

converted as (

    select
        *,
        {{ convert_amount('net_amount', 'fx_rate') }} as net_amount_base,
        {{ convert_amount('tax_amount', 'fx_rate') }} as tax_amount_base
    from joined

),

final as (

    select
        *,
        {{ money('net_amount_base + tax_amount_base') }} as gross_amount_base
    from converted

)

select * from final
