-- Income statement (利润表) per org in its base currency and for the group
-- (org_code = 'GROUP') in the reporting currency: one row per org, period and
-- P&L account, with the statement line it rolls into. amount is shown in the
-- account's natural direction (revenue and expenses positive);
-- profit_effect is its effect on profit (credit − debit).

with

org_balances as (

    select
        org_code, period, account_code, currency, period_debit, period_credit
    from {{ ref('trial_balance') }}
    where statement = 'income_statement'

),

group_balances as (

    select
        org_code, period, account_code, currency, period_debit, period_credit
    from {{ ref('trial_balance_consolidated') }}
    where statement = 'income_statement'

),

balances as (

    select * from org_balances
    union all
    select * from group_balances

),

accounts as (

    select * from {{ ref('dim_account') }}

),

with_lines as (

    select
        balances.*,
        accounts.account_name,
        accounts.account_name_en,
        accounts.account_type,
        accounts.statement_line_code,
        accounts.statement_line_name,
        accounts.statement_line_name_en,
        accounts.statement_line_order,
        {{ money('balances.period_credit - balances.period_debit') }} as profit_effect,
        cast(substring(balances.period, 1, 4) as integer) as fiscal_year
    from balances
    left join accounts
        on balances.account_code = accounts.account_code

),

final as (

    select
        {{ dbt.concat(["org_code", "'|'", "period", "'|'", "account_code"]) }} as income_statement_id,
        org_code,
        period,
        fiscal_year,
        currency,
        statement_line_code,
        statement_line_name,
        statement_line_name_en,
        statement_line_order,
        account_code,
        account_name,
        account_name_en,
        account_type,
        {{ money("case when account_type = 'revenue' then profit_effect else -profit_effect end") }} as amount,
        profit_effect,
        {{ money("sum(case when account_type = 'revenue' then profit_effect else -profit_effect end) over (
            partition by org_code, account_code, fiscal_year
            order by period rows between unbounded preceding and current row)") }} as ytd_amount,
        {{ money('sum(profit_effect) over (
            partition by org_code, account_code, fiscal_year
            order by period rows between unbounded preceding and current row)') }} as ytd_profit_effect
    from with_lines

)

select * from final
