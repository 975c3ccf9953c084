-- A missing FX rate must fail the build, never turn into a zero amount:
-- every business event has its rate to base and to the reporting currency,
-- and every org period that needs translation has average and closing rates.

select 'event' as kind, event_id as item, currency, base_currency as to_currency, rate_date
from {{ ref('fct_business_events') }}
where fx_rate is null or net_amount_base is null or reporting_fx_rate is null

union all

select 'translation' as kind, trial_balance_id as item, currency, reporting_currency as to_currency,
       cast(null as date) as rate_date
from {{ ref('trial_balance') }}
where average_rate is null or closing_rate is null
