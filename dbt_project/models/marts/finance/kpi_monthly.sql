-- Management KPIs per org (base currency) and for the group (org_code =
-- 'GROUP', reporting currency, after intercompany eliminations) and period,
-- read from the lines of the income statement and the balance sheet, with month-over-month and year-over-year comparisons
-- (null where the comparison period has no data).

with

pl as (

    select
        org_code,
        period,
        currency,
        sum(case when line_code = 'REVENUE' then period_amount else 0 end) as revenue,
        sum(case when line_code = 'COST_OF_SALES' then period_amount else 0 end) as cost_of_sales,
        sum(case when line_code in ('SELLING_EXPENSES', 'ADMIN_EXPENSES', 'RD_EXPENSES') then period_amount else 0 end)
            as operating_expenses,
        sum(case when line_code = 'FINANCE_COSTS' then period_amount else 0 end) as finance_costs,
        sum(case when line_code = 'NET_PROFIT' then period_amount else 0 end) as net_profit
    from {{ ref('income_statement') }}
    group by org_code, period, currency

),

bs as (

    select
        org_code,
        period,
        currency,
        sum(case when line_code = 'MONETARY_FUNDS' then closing_balance else 0 end) as cash,
        sum(case when line_code = 'ACCOUNTS_RECEIVABLE' then closing_balance else 0 end) as accounts_receivable,
        sum(case when line_code = 'ACCOUNTS_PAYABLE' then closing_balance else 0 end) as accounts_payable,
        sum(case when line_code = 'TOTAL_ASSETS' then closing_balance else 0 end) as total_assets
    from {{ ref('balance_sheet') }}
    group by org_code, period, currency

),

combined as (

    select
        bs.org_code,
        bs.period,
        bs.currency,
        coalesce(pl.revenue, 0) as revenue,
        coalesce(pl.cost_of_sales, 0) as cost_of_sales,
        coalesce(pl.revenue, 0) - coalesce(pl.cost_of_sales, 0) as gross_margin,
        coalesce(pl.operating_expenses, 0) as operating_expenses,
        coalesce(pl.finance_costs, 0) as finance_costs,
        coalesce(pl.net_profit, 0) as net_profit,
        bs.cash,
        bs.accounts_receivable,
        bs.accounts_payable,
        bs.total_assets,
        {{ period_start('bs.period') }} as period_start_date
    from bs
    left join pl
        on bs.org_code = pl.org_code and bs.period = pl.period

),

with_comparisons as (

    select
        cur.*,
        prev_month.revenue as revenue_prev_month,
        prev_month.gross_margin as gross_margin_prev_month,
        prev_month.net_profit as net_profit_prev_month,
        prev_year.revenue as revenue_prev_year,
        prev_year.gross_margin as gross_margin_prev_year,
        prev_year.net_profit as net_profit_prev_year
    from combined as cur
    left join combined as prev_month
        on cur.org_code = prev_month.org_code
        and prev_month.period_start_date = {{ dbt.dateadd('month', -1, 'cur.period_start_date') }}
    left join combined as prev_year
        on cur.org_code = prev_year.org_code
        and prev_year.period_start_date = {{ dbt.dateadd('month', -12, 'cur.period_start_date') }}

),

final as (

    select
        {{ dbt.concat(["org_code", "'|'", "period"]) }} as kpi_id,
        org_code,
        period,
        currency,
        {{ money('revenue') }} as revenue,
        {{ money('cost_of_sales') }} as cost_of_sales,
        {{ money('gross_margin') }} as gross_margin,
        {{ ratio('gross_margin', 'revenue') }} as gross_margin_pct,
        {{ money('operating_expenses') }} as operating_expenses,
        {{ money('finance_costs') }} as finance_costs,
        {{ money('net_profit') }} as net_profit,
        {{ ratio('net_profit', 'revenue') }} as net_margin_pct,
        {{ money('cash') }} as cash,
        {{ money('accounts_receivable') }} as accounts_receivable,
        {{ money('accounts_payable') }} as accounts_payable,
        {{ money('total_assets') }} as total_assets,
        {{ money('revenue_prev_month') }} as revenue_prev_month,
        {{ ratio('revenue - revenue_prev_month', 'abs(revenue_prev_month)') }} as revenue_mom_pct,
        {{ money('gross_margin_prev_month') }} as gross_margin_prev_month,
        {{ money('net_profit_prev_month') }} as net_profit_prev_month,
        {{ ratio('net_profit - net_profit_prev_month', 'abs(net_profit_prev_month)') }} as net_profit_mom_pct,
        {{ money('revenue_prev_year') }} as revenue_prev_year,
        {{ ratio('revenue - revenue_prev_year', 'abs(revenue_prev_year)') }} as revenue_yoy_pct,
        {{ money('gross_margin_prev_year') }} as gross_margin_prev_year,
        {{ money('net_profit_prev_year') }} as net_profit_prev_year,
        {{ ratio('net_profit - net_profit_prev_year', 'abs(net_profit_prev_year)') }} as net_profit_yoy_pct
    from with_comparisons

)

select * from final
