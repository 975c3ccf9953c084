-- The three statements tie to each other, per org (and the group) and period:
--   * 未分配利润's change since the end of the previous fiscal year equals the
--     income statement's 净利润 of the year to date, plus what was posted to
--     the line's own equity accounts other than by P&L closing (分配利润 …);
--   * the cash flow statement's 期末现金 equals the balance sheet's 货币资金.

with

bs as (

    select org_code, period,
        sum(case when line_code = 'UNDISTRIBUTED_PROFIT' then closing_balance - coalesce(prior_year_end_balance, 0)
            else 0 end) as undistributed_change,
        sum(case when line_code = 'MONETARY_FUNDS' then closing_balance else 0 end) as monetary_funds
    from {{ ref('balance_sheet') }}
    group by org_code, period

),

pl as (

    select org_code, period, sum(ytd_amount) as net_profit_ytd
    from {{ ref('income_statement') }}
    where line_code = 'NET_PROFIT'
    group by org_code, period

),

cash as (

    select org_code, period, sum(period_amount) as closing_cash
    from {{ ref('cash_flow_statement') }}
    where line_code = 'CF_CLOSING_CASH'
    group by org_code, period

),

equity_accounts as (

    -- the balance-sheet accounts of 未分配利润 (4103 / 4104 …): P&L accounts are the net profit itself
    select distinct details.org_code, details.account_code
    from {{ ref('statement_line_details') }} as details
    inner join {{ ref('int_fs_account_balances') }} as balances
        on details.org_code = balances.org_code
        and details.period = balances.period
        and details.account_code = balances.account_code
    where details.line_code = 'UNDISTRIBUTED_PROFIT' and balances.account_statement = 'balance_sheet'
        and details.entry_kind = 'account'

),

equity_postings as (

    -- their credit-positive movements of the year to date, closing vouchers excepted
    select periods.org_code, periods.period, -sum(balances.period_net_statement) as amount
    from {{ ref('int_fs_org_periods') }} as periods
    inner join {{ ref('int_fs_account_balances') }} as balances
        on periods.org_code = balances.org_code
        and balances.period between periods.year_start_period and periods.period
    inner join equity_accounts
        on balances.org_code = equity_accounts.org_code
        and balances.account_code = equity_accounts.account_code
    group by periods.org_code, periods.period

)

select bs.org_code, bs.period, 'undistributed profit <> net profit ytd' as problem
from bs
inner join pl
    on bs.org_code = pl.org_code and bs.period = pl.period
left join equity_postings
    on bs.org_code = equity_postings.org_code and bs.period = equity_postings.period
where bs.org_code <> 'GROUP'
    and bs.undistributed_change <> pl.net_profit_ytd + coalesce(equity_postings.amount, 0)

union all

select bs.org_code, bs.period, 'closing cash <> monetary funds' as problem
from bs
inner join cash
    on bs.org_code = cash.org_code and bs.period = cash.period
where bs.monetary_funds <> cash.closing_cash
