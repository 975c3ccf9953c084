-- What each account (and party) contributes to each balance-sheet and income
-- statement line of each org and period, by the rules of fs_account_rules:
--   balance sheet: the closing balance, all of it (basis net) or only when
--     the detail balance is on the rule's side (debit_balance / credit_balance);
--   income statement: the period's movement (without P&L closing vouchers).
-- amount is in the line's own direction (assets and expenses debit-positive,
-- liabilities, equity and income credit-positive); balance is debit-positive.
-- Base currency and reporting currency side by side.

with

balances as (

    select * from {{ ref('int_fs_account_balances') }}

),

matches as (

    select * from {{ ref('int_fs_rule_matches') }}
    where statement in ('balance_sheet', 'income_statement')

),

orgs as (

    select org_code, base_currency, reporting_currency from {{ ref('dim_org') }}

),

matched as (

    select
        balances.org_code,
        balances.period,
        matches.statement,
        matches.line_code,
        matches.is_memo,
        balances.account_code,
        balances.party_type,
        balances.party_code,
        case when matches.normal_side = 'credit' then -1 else 1 end as direction,
        case when matches.statement = 'balance_sheet' then balances.closing_balance
             else balances.period_net_statement end as balance,
        case when matches.statement = 'balance_sheet' then balances.closing_balance_rpt
             else balances.period_net_statement_rpt end as balance_rpt
    from balances
    inner join matches
        on balances.account_code = matches.account_code
    where matches.basis = 'net'
        or (matches.basis = 'debit_balance' and balances.closing_balance > 0)
        or (matches.basis = 'credit_balance' and balances.closing_balance < 0)

),

final as (

    select
        matched.org_code,
        matched.period,
        matched.statement,
        matched.line_code,
        matched.is_memo,
        matched.account_code,
        matched.party_type,
        matched.party_code,
        orgs.base_currency as currency,
        {{ money('matched.direction * matched.balance') }} as amount,
        {{ money('matched.balance') }} as balance,
        orgs.reporting_currency,
        {{ money('matched.direction * matched.balance_rpt') }} as amount_rpt,
        {{ money('matched.balance_rpt') }} as balance_rpt
    from matched
    left join orgs
        on matched.org_code = orgs.org_code
    where matched.balance <> 0 or matched.balance_rpt <> 0

)

select * from final
