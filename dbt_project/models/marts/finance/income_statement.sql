-- 利润表 (会企02表, general-enterprise format of 财会〔2019〕6号) per org in its
-- base currency and for the group (org_code = 'GROUP') in the reporting
-- currency after intercompany eliminations: every line of the form in its
-- order (seed fs_lines), items from the accounts' period movements by
-- fs_account_rules, 营业利润 / 利润总额 / 净利润 / 综合收益总额 computed by
-- fs_line_formulas. Each line is positive in its own direction (revenue and
-- gains credit-positive, costs and expenses debit-positive; losses on the
-- "损失以“－”号填列" lines negative).
-- Columns: 本期金额 period_amount (the month), 本年累计金额 ytd_amount, and the
-- same two for the same period last year (上期金额; null when the books have
-- no such period).

with

periods as (

    select * from {{ ref('int_fs_org_periods') }}

),

movements as (

    select org_code, period, line_code, sum(amount) as period_amount
    from {{ ref('statement_line_details') }}
    where statement = 'income_statement'
    group by org_code, period, line_code

),

items as (

    select
        periods.org_code,
        periods.period,
        movements.line_code,
        sum(case when movements.period = periods.period then movements.period_amount else 0 end)
            as period_amount,
        sum(movements.period_amount) as ytd_amount
    from periods
    inner join movements
        on periods.org_code = movements.org_code
        and movements.period between periods.year_start_period and periods.period
    group by periods.org_code, periods.period, movements.line_code

),

{{ fs_lines_with_formulas('income_statement', 'periods', 'items', ['period_amount', 'ytd_amount']) }},

final as (

    {{ fs_statement_rows('income_statement_id', 'periods', ['period_amount', 'ytd_amount'], 'prior_year_period',
        {'period_amount': 'prior_year_period_amount', 'ytd_amount': 'prior_year_ytd_amount'}) }}

)

select * from final
