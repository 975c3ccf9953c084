-- Nothing is left off the statements: every account with a balance is on a
-- balance-sheet line (P&L accounts through 未分配利润), and every P&L account
-- that moved is on an income statement line.

with

balances as (

    select
        account_code,
        account_statement,
        max(case when closing_balance <> 0 or closing_balance_rpt <> 0 then 1 else 0 end) as has_balance,
        max(case when period_net_statement <> 0 then 1 else 0 end) as has_movement
    from {{ ref('int_fs_account_balances') }}
    group by account_code, account_statement

),

matches as (

    select account_code, statement from {{ ref('int_fs_rule_matches') }} where not is_memo

)

select 'no balance sheet line' as problem, balances.account_code
from balances
left join matches
    on balances.account_code = matches.account_code and matches.statement = 'balance_sheet'
where balances.has_balance = 1 and matches.account_code is null

union all

select 'no income statement line' as problem, balances.account_code
from balances
left join matches
    on balances.account_code = matches.account_code and matches.statement = 'income_statement'
where balances.account_statement = 'income_statement' and balances.has_movement = 1
    and matches.account_code is null
