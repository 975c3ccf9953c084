-- 现金流量表 (会企03表, 财会〔2019〕6号) by the direct method, as far as the GL
-- supports it: each org's cash movements (int_cash_flow_movements) classified
-- by the counterparty account of their voucher (seed cash_flow_rules);
-- movements no rule covers are 未能分类 (CF_UNCLASSIFIED, listed in
-- cash_flow_unclassified) and still count in the net increase, so that 期末现金
-- ties to the cash accounts. Per org in base currency; for the group
-- (GROUP, reporting currency) each org's lines translated at the period's
-- average rate, intercompany movements left out (what they leave over between
-- two orgs is 未能分类), and 汇率变动的影响 taking the difference between the
-- translated flows and the cash balances translated at closing rates.
-- Columns: 本期金额 period_amount (the month), 本年累计金额 ytd_amount, and both
-- for the same period last year. Inflow lines positive, outflow lines positive
-- (they are subtracted in the subtotals).

with

periods as (

    select * from {{ ref('int_fs_org_periods') }}

),

rates as (

    select distinct org_code, period, average_rate, closing_rate, reporting_currency
    from {{ ref('trial_balance') }}

),

lines as (

    select line_code, case when normal_side = 'outflow' then -1 else 1 end as direction
    from {{ ref('fs_lines') }}
    where statement = 'cash_flow'

),

movements as (

    select
        movements.org_code,
        movements.period,
        coalesce(movements.line_code, 'CF_UNCLASSIFIED') as line_code,
        movements.counterparty_org_code is not null as is_intercompany,
        sum(movements.cash_effect) as cash_effect
    from {{ ref('int_cash_flow_movements') }} as movements
    group by 1, 2, 3, 4

),

cash_balances as (

    select
        tb.org_code,
        tb.period,
        sum(tb.closing_balance) as closing_cash,
        sum(tb.period_net) as period_net_cash,
        sum(tb.closing_balance_rpt) as closing_cash_rpt
    from {{ ref('trial_balance') }} as tb
    inner join (select account_prefix from {{ ref('cash_flow_rules') }} where role = 'cash') as cash
        on tb.account_code like {{ dbt.concat(["cash.account_prefix", "'%'"]) }}
    group by tb.org_code, tb.period

),

-- per org, base currency -------------------------------------------------------------------

org_flows as (

    select
        movements.org_code,
        movements.period,
        movements.line_code,
        sum(lines.direction * movements.cash_effect) as amount
    from movements
    inner join lines
        on movements.line_code = lines.line_code
    group by 1, 2, 3

),

org_opening as (

    -- the month opens with the previous period's closing cash (= closing − the month's movement)
    select org_code, period, 'CF_OPENING_CASH' as line_code, closing_cash - period_net_cash as amount
    from cash_balances

),

-- the group, reporting currency ---------------------------------------------------------------

group_flows_by_org as (

    select
        movements.org_code,
        movements.period,
        movements.line_code,
        {{ convert_amount('sum(lines.direction * movements.cash_effect)', 'max(rates.average_rate)') }} as amount
    from movements
    inner join lines
        on movements.line_code = lines.line_code
    inner join rates
        on movements.org_code = rates.org_code
        and movements.period = rates.period
    where not movements.is_intercompany
    group by 1, 2, 3

),

intercompany_left_over as (

    select
        movements.period,
        'CF_UNCLASSIFIED' as line_code,
        sum({{ convert_amount('movements.cash_effect', 'rates.average_rate') }}) as amount
    from movements
    inner join rates
        on movements.org_code = rates.org_code
        and movements.period = rates.period
    where movements.is_intercompany
    group by movements.period

),

group_cash as (

    select
        periods.period,
        coalesce(sum(cash_balances.closing_cash_rpt), 0) as closing_cash_rpt
    from periods
    left join cash_balances
        on periods.period = cash_balances.period
    where periods.is_group
    group by periods.period

),

group_cash_with_opening as (

    select
        period,
        closing_cash_rpt,
        coalesce(lag(closing_cash_rpt) over (order by period), 0) as opening_cash_rpt
    from group_cash

),

group_translated_flows as (

    select period, line_code, sum(amount) as amount from group_flows_by_org group by period, line_code
    union all
    select period, line_code, amount from intercompany_left_over

),

group_fx_difference as (

    -- what translating flows at average rates and balances at closing rates leaves over
    select
        group_cash_with_opening.period,
        'CF_FX_EFFECT' as line_code,
        group_cash_with_opening.closing_cash_rpt - group_cash_with_opening.opening_cash_rpt
            - coalesce(sum(group_translated_flows.amount * lines.direction), 0) as amount
    from group_cash_with_opening
    left join group_translated_flows
        on group_cash_with_opening.period = group_translated_flows.period
    left join lines
        on group_translated_flows.line_code = lines.line_code
    group by group_cash_with_opening.period, group_cash_with_opening.closing_cash_rpt,
        group_cash_with_opening.opening_cash_rpt

),

group_items as (

    select period, line_code, amount from group_translated_flows
    union all
    select period, line_code, amount from group_fx_difference
    union all
    select period, 'CF_OPENING_CASH' as line_code, opening_cash_rpt as amount from group_cash_with_opening

),

-- both: one row per org, period and line with the month and the year to date -------------------

monthly as (

    select org_code, period, line_code, amount from org_flows
    union all
    select org_code, period, line_code, amount from org_opening
    union all
    select 'GROUP' as org_code, period, line_code, sum(amount) as amount from group_items
    group by period, line_code

),

items as (

    -- the year to date adds up the months, except the opening cash: the year's opening is the
    -- opening of its first month on the books
    select
        periods.org_code,
        periods.period,
        monthly.line_code,
        sum(case when monthly.period = periods.period then monthly.amount else 0 end) as period_amount,
        case when monthly.line_code = 'CF_OPENING_CASH'
            then sum(case when monthly.period = first_month.period then monthly.amount else 0 end)
            else sum(monthly.amount)
        end as ytd_amount
    from periods
    inner join monthly
        on periods.org_code = monthly.org_code
        and monthly.period between periods.year_start_period and periods.period
    inner join (
        select org_code, fiscal_year, min(period) as period from periods group by org_code, fiscal_year
    ) as first_month
        on periods.org_code = first_month.org_code
        and periods.fiscal_year = first_month.fiscal_year
    group by periods.org_code, periods.period, monthly.line_code

),

{{ fs_lines_with_formulas('cash_flow', 'periods', 'items', ['period_amount', 'ytd_amount']) }},

final as (

    {{ fs_statement_rows('cash_flow_id', 'periods', ['period_amount', 'ytd_amount'], 'prior_year_period',
        {'period_amount': 'prior_year_period_amount', 'ytd_amount': 'prior_year_ytd_amount'}) }}

)

select * from final
