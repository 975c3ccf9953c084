-- A calendar (fiscal year = calendar year, fiscal period = month), bounded by
-- the vars calendar_start / calendar_end.

with

days as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('calendar_start', '2024-01-01') ~ "' as date)",
        "cast('" ~ var('calendar_end', '2028-01-01') ~ "' as date)"
    ) }}

),

final as (

    select
        cast(date_day as date) as date_day,
        {{ to_period('date_day') }} as period,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        cast(extract(month from date_day) as integer) as calendar_month,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast(extract(year from date_day) as integer) as fiscal_year,
        cast(extract(month from date_day) as integer) as fiscal_period,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as period_start_date,
        cast({{ dbt.last_day('date_day', 'month') }} as date) as period_end_date,
        cast(date_day as date) = cast({{ dbt.last_day('date_day', 'month') }} as date) as is_period_end
    from days

)

select * from final
