{#- The shared body of ar_aging and ap_aging. -#}
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

aggregated as (

    select
        org_code,
        period,
        as_of_date,
        counterparty_code,
        base_currency as currency,
        count(*) as open_item_count,
        sum(open_amount_base) as open_amount,
        sum(case when days_past_due < 0 then open_amount_base else 0 end) as not_yet_due,
        sum(case when days_past_due between 0 and 30 then open_amount_base else 0 end) as days_0_30,
        sum(case when days_past_due between 31 and 60 then open_amount_base else 0 end) as days_31_60,
        sum(case when days_past_due between 61 and 90 then open_amount_base else 0 end) as days_61_90,
        sum(case when days_past_due > 90 then open_amount_base else 0 end) as days_over_90,
        max(days_past_due) as max_days_past_due,
        min(due_date) as oldest_due_date
    from open_items
    group by org_code, period, as_of_date, counterparty_code, base_currency

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
