-- Per period and currency pair: the average of the GL's daily rates (P&L
-- translation) and the closing rate, i.e. the rate of the last day of the
-- period that has one (balance sheet translation).

with

rates as (

    select
        rate_date,
        {{ to_period('rate_date') }} as period,
        from_currency,
        to_currency,
        rate
    from {{ ref('stg_finance__gl_fx_rates') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by period, from_currency, to_currency order by rate_date desc
        ) as rank_from_end
    from rates

),

final as (

    select
        period,
        from_currency,
        to_currency,
        {{ fx_rate('round(avg(rate), 6)') }} as average_rate,
        max(case when rank_from_end = 1 then rate end) as closing_rate,
        max(rate_date) as closing_rate_date,
        count(*) as rate_days
    from ranked
    group by period, from_currency, to_currency

)

select * from final
