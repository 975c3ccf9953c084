-- 资产负债表 (会企01表, general-enterprise format of 财会〔2019〕6号) per org in
-- its base currency and for the group (org_code = 'GROUP') in the reporting
-- currency after intercompany eliminations: every line of the form in its
-- order (seed fs_lines), items from the accounts by the rules of
-- fs_account_rules, subtotals and totals computed by fs_line_formulas.
-- 期末余额 = closing_balance; 上年年末余额 = prior_year_end_balance (the same
-- line at the end of the previous fiscal year; null when the books have no
-- such period). Amounts are in the line's direction (assets debit-positive,
-- liabilities and equity credit-positive); 资产总计 = 负债和所有者权益总计 to the
-- cent (assert_balance_sheet_balances).

with

periods as (

    select * from {{ ref('int_fs_org_periods') }}

),

items as (

    select
        org_code,
        period,
        line_code,
        sum(amount) as closing_balance
    from {{ ref('statement_line_details') }}
    where statement = 'balance_sheet'
    group by org_code, period, line_code

),

{{ fs_lines_with_formulas('balance_sheet', 'periods', 'items', ['closing_balance']) }},

final as (

    {{ fs_statement_rows('balance_sheet_id', 'periods', ['closing_balance'], 'prior_year_end_period',
        {'closing_balance': 'prior_year_end_balance'}, extra=['side']) }}

)

select * from final
