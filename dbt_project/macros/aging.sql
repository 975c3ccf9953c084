{#- The shared body of ar_aging and ap_aging: per org in its base currency
    (open items at their own documents' rates) and, under org_code 'GROUP', the
    group in the reporting currency (each open item translated at the period's
    closing rate; parties that are group orgs - int_group_counterparties - are
    intercompany and left out). Buckets by days past due (as_of_date −
    due_date): not yet due (< 0), 0–30, 31–60, 61–90, over 90. -#}
{% macro aging_by_counterparty(ledger, party) -%}
with

open_items as (

    select * from {{ ref('subledger_open_items') }}
    where ledger = '{{ ledger }}'

),

parties as (

    select {{ party }}_code as party_code, {{ party }}_name as party_name
    from {{ ref('dim_' ~ party) }}

),

intercompany as (

    select party_code from {{ ref('int_group_counterparties') }} where party_type = '{{ party }}'

),

rates as (

    select period, from_currency, closing_rate from {{ ref('int_fx_period_rates') }}
    where to_currency = '{{ var("reporting_currency") }}'

),

org_items as (

    select
        org_code,
        period,
        as_of_date,
        counterparty_code,
        base_currency as currency,
        days_past_due,
        due_date,
        open_amount_base as amount
    from open_items

),

group_items as (

    select
        'GROUP' as org_code,
        open_items.period,
        open_items.as_of_date,
        open_items.counterparty_code,
        '{{ var("reporting_currency") }}' as currency,
        open_items.days_past_due,
        open_items.due_date,
        {{ convert_amount('open_items.open_amount_base',
            "case when open_items.base_currency = '" ~ var('reporting_currency') ~ "' then 1
                  else rates.closing_rate end") }} as amount
    from open_items
    left join rates
        on open_items.period = rates.period
        and open_items.base_currency = rates.from_currency
    where open_items.counterparty_code not in (select party_code from intercompany)

),

items as (

    select * from org_items
    union all
    select * from group_items

),

aggregated as (

    select
        org_code,
        period,
        as_of_date,
        counterparty_code,
        currency,
        count(*) as open_item_count,
        sum(amount) as open_amount,
        sum(case when days_past_due < 0 then amount else 0 end) as not_yet_due,
        sum(case when days_past_due between 0 and 30 then amount else 0 end) as days_0_30,
        sum(case when days_past_due between 31 and 60 then amount else 0 end) as days_31_60,
        sum(case when days_past_due between 61 and 90 then amount else 0 end) as days_61_90,
        sum(case when days_past_due > 90 then amount else 0 end) as days_over_90,
        max(days_past_due) as max_days_past_due,
        min(due_date) as oldest_due_date
    from items
    group by org_code, period, as_of_date, counterparty_code, currency

),

final as (

    select
        {{ dbt.concat(["aggregated.org_code", "'|'", "aggregated.period", "'|'", "aggregated.counterparty_code"]) }}
            as aging_id,
        aggregated.org_code,
        aggregated.period,
        aggregated.as_of_date,
        aggregated.counterparty_code as {{ party }}_code,
        parties.party_name as {{ party }}_name,
        aggregated.currency,
        aggregated.open_item_count,
        {{ money('aggregated.open_amount') }} as open_amount,
        {{ money('aggregated.not_yet_due') }} as not_yet_due,
        {{ money('aggregated.days_0_30') }} as days_0_30,
        {{ money('aggregated.days_31_60') }} as days_31_60,
        {{ money('aggregated.days_61_90') }} as days_61_90,
        {{ money('aggregated.days_over_90') }} as days_over_90,
        aggregated.max_days_past_due,
        aggregated.oldest_due_date
    from aggregated
    left join parties
        on aggregated.counterparty_code = parties.party_code

)

select * from final
{%- endmacro %}
