-- Accounting periods per org with the GL's period status (open / closed).

with

status as (

    select * from {{ ref('stg_finance__gl_period_status') }}

),

final as (

    select
        {{ dbt.concat(["org_code", "'|'", "period"]) }} as org_period_id,
        org_code,
        period,
        status as period_status,
        is_closed,
        {{ period_start('period') }} as period_start_date,
        {{ period_end('period') }} as period_end_date,
        cast(substring(period, 1, 4) as integer) as fiscal_year,
        cast(substring(period, 6, 2) as integer) as fiscal_period,
        {{ to_period(dbt.dateadd('month', -1, period_start('period'))) }} as previous_period,
        {{ to_period(dbt.dateadd('month', -12, period_start('period'))) }} as same_period_last_year
    from status

)

select * from final
