-- The statements' grid: every org and period of the trial balance in the org's
-- base currency, and the group (GROUP) for every period in the reporting
-- currency, with the periods the comparison columns read: the previous
-- period, the same period last year and the end of the previous fiscal year
-- (fiscal year = calendar year).

with

org_periods as (

    select distinct org_code, period, currency from {{ ref('trial_balance') }}

),

group_periods as (

    select distinct 'GROUP' as org_code, period, '{{ var("reporting_currency") }}' as currency
    from org_periods

),

unioned as (

    select * from org_periods
    union all
    select * from group_periods

),

final as (

    select
        org_code,
        period,
        currency,
        org_code = 'GROUP' as is_group,
        cast(substring(period, 1, 4) as integer) as fiscal_year,
        {{ dbt.concat(["substring(period, 1, 4)", "'-01'"]) }} as year_start_period,
        {{ to_period(dbt.dateadd('month', -1, period_start('period'))) }} as previous_period,
        {{ to_period(dbt.dateadd('month', -12, period_start('period'))) }} as prior_year_period,
        {{ dbt.concat(["cast(cast(substring(period, 1, 4) as integer) - 1 as " ~ dbt.type_string() ~ ")",
                       "'-12'"]) }} as prior_year_end_period
    from unioned

)

select * from final
