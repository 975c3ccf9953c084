-- Balance sheet (资产负债表) per org in its base currency and for the group
-- (org_code = 'GROUP', reporting currency, with the translation difference
-- line CTA) at each period end. One row per org, period and line; assets are
-- shown debit-positive, liabilities and equity credit-positive. The P&L
-- accounts are not closed into equity in the ledger, so equity carries two
-- computed lines: CURRENT_YEAR_PROFIT (本年利润, year to date) and
-- PRIOR_YEARS_PROFIT (prior years' P&L not yet carried to retained earnings).
-- Assets = liabilities + equity holds to the cent (assert_balance_sheet_balances).

with

org_tb as (

    select org_code, period, account_code, currency, statement, account_type, closing_balance
    from {{ ref('trial_balance') }}

),

group_tb as (

    select org_code, period, account_code, currency, statement, account_type, closing_balance
    from {{ ref('trial_balance_consolidated') }}

),

tb as (

    select * from org_tb
    union all
    select * from group_tb

),

accounts as (

    select * from {{ ref('dim_account') }}

),

balance_sheet_accounts as (

    select
        tb.org_code,
        tb.period,
        tb.currency,
        case when tb.account_type = 'asset' then 'assets'
             when tb.account_type = 'liability' then 'liabilities'
             else 'equity' end as section,
        case when tb.account_code = 'CTA' then 'CTA' else coalesce(accounts.statement_line_code, 'OTHER') end
            as line_code,
        case when tb.account_code = 'CTA' then '外币报表折算差额'
             else coalesce(accounts.statement_line_name, '其他') end as line_name,
        case when tb.account_code = 'CTA' then 'Currency translation difference'
             else coalesce(accounts.statement_line_name_en, 'Other') end as line_name_en,
        case when tb.account_code = 'CTA' then 240 else coalesce(accounts.statement_line_order, 900) end
            as line_order,
        case when tb.account_type = 'asset' then tb.closing_balance else -tb.closing_balance end as amount
    from tb
    left join accounts
        on tb.account_code = accounts.account_code
    where tb.statement = 'balance_sheet'

),

profit as (

    select
        org_code,
        period,
        currency,
        -sum(closing_balance) as cumulative_profit
    from tb
    where statement = 'income_statement'
    group by org_code, period, currency

),

year_start as (

    -- cumulative P&L at the end of the previous fiscal year (0 in the first year)
    select
        profit.org_code,
        profit.period,
        profit.currency,
        profit.cumulative_profit,
        coalesce(max(prior.cumulative_profit), 0) as prior_years_profit
    from profit
    left join profit as prior
        on profit.org_code = prior.org_code
        and prior.period = {{ dbt.concat([
            "cast(cast(substring(profit.period, 1, 4) as integer) - 1 as " ~ dbt.type_string() ~ ")", "'-12'"
        ]) }}
    group by profit.org_code, profit.period, profit.currency, profit.cumulative_profit

),

profit_lines as (

    select
        org_code, period, currency, 'equity' as section, 'CURRENT_YEAR_PROFIT' as line_code,
        '本年利润' as line_name, 'Current year profit' as line_name_en, 250 as line_order,
        cumulative_profit - prior_years_profit as amount
    from year_start
    union all
    select
        org_code, period, currency, 'equity' as section, 'PRIOR_YEARS_PROFIT' as line_code,
        '以前年度未结转损益' as line_name, 'Prior years profit not carried forward' as line_name_en,
        260 as line_order, prior_years_profit as amount
    from year_start

),

lines as (

    select * from balance_sheet_accounts
    union all
    select * from profit_lines

),

final as (

    select
        {{ dbt.concat(["org_code", "'|'", "period", "'|'", "section", "'|'", "line_code"]) }} as balance_sheet_id,
        org_code,
        period,
        currency,
        section,
        line_code,
        max(line_name) as line_name,
        max(line_name_en) as line_name_en,
        max(line_order) as line_order,
        {{ money('sum(amount)') }} as amount
    from lines
    group by org_code, period, currency, section, line_code

)

select * from final
