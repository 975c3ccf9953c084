-- Period debits and credits per org, period and account, on a complete grid
-- (every period of the org x every account the org ever used), so balances
-- carry forward through periods without postings.

with

lines as (

    select org_code, period, account_code, debit, credit from {{ ref('fct_gl_lines') }}

),

movements as (

    select org_code, period, account_code, sum(debit) as period_debit, sum(credit) as period_credit
    from lines
    group by org_code, period, account_code

),

periods as (

    select org_code, period from {{ ref('dim_period') }}
    union
    select distinct org_code, period from lines

),

org_accounts as (

    select distinct org_code, account_code from lines

),

grid as (

    select periods.org_code, periods.period, org_accounts.account_code
    from periods
    inner join org_accounts
        on periods.org_code = org_accounts.org_code

),

final as (

    select
        grid.org_code,
        grid.period,
        grid.account_code,
        {{ money('coalesce(movements.period_debit, 0)') }} as period_debit,
        {{ money('coalesce(movements.period_credit, 0)') }} as period_credit
    from grid
    left join movements
        on grid.org_code = movements.org_code
        and grid.period = movements.period
        and grid.account_code = movements.account_code

)

select * from final
