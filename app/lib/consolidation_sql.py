"""The SQL of a consolidation over the orgs a user sees (merged into :data:`app.lib.queries.SQL`).

A user granted every org reads the group's own rows (``org_code = 'GROUP'``, built by dbt). A
user granted only some orgs never sees those; their consolidation is computed here, by the
statements' own rules, over exactly their orgs. Every ``{model}`` is read through its
org-filtered view (:mod:`app.lib.scoping`), so ``{dim_org}`` holds the user's orgs and nothing
here can reach another org's rows:

* statements: each org's line contributions in the reporting currency
  (``int_fs_line_contributions``), plus the eliminations of ``consolidation_eliminations``
  between two of the user's orgs (a balance with a group org outside the scope is a balance
  with a third party here); subtotals and totals by the statements' formulas
  (``int_fs_formula_leaves``); the comparison columns as the marts have them;
* cash flow: each org's classified flows at its period's average rate, movements between the
  user's orgs left to 未能分类, 汇率变动的影响 and the opening cash from the cash accounts' balances
  translated at closing rates - as ``cash_flow_statement`` builds the group;
* trial balance, aging, expenses and margins: the orgs' reporting-currency figures added up
  (parties that are one of the user's orgs left out where the group leaves out intercompany
  parties), as the marts' GROUP rows are built.

Results carry no ``org_code`` (they are no org's rows) but ``org_codes``: the orgs they cover.
Parameters are positional (``$1`` …).
"""

from __future__ import annotations

#: The user's orgs as a list (for the org_codes column).
_ORG_CODES = "(select string_agg(org_code, ',' order by org_code) from {dim_org})"
#: The reporting currency of the user's orgs.
_CURRENCY = "(select min(reporting_currency) from {dim_org})"
#: Eliminations count only between two of the user's orgs.
_BOTH_IN_SCOPE = "counterparty_org_code in (select org_code from {dim_org})"
#: The orgs' own rows (for a user granted every org the views hold the group's rows too).
_ORG_ROWS = "org_code in (select org_code from {dim_org})"


def _money(expr: str) -> str:
    return f"cast({expr} as decimal(18, 2))"


def _convert(amount: str, rate: str) -> str:
    """An amount at a rate, rounded to the cent (the warehouse's ``convert_amount``)."""
    return (
        f"cast(round(cast({amount} as decimal(38, 8)) * cast({rate} as decimal(38, 8)), 2) as decimal(18, 2))"
    )


def _intercompany(party: str) -> str:
    """Parties that are one of the user's orgs (intercompany within the scope)."""
    return (
        "(select party_code from {int_group_counterparties} "
        f"where party_type = '{party}' and group_org_code in (select org_code from {{dim_org}}))"
    )


# --- statements ------------------------------------------------------------------------------

#: Monthly items (statement, period, line_code, amount) of the balance sheet and income statement.
_FS_ITEMS = f"""
    items as (
        select statement, period, line_code, sum(amount) as amount from (
            select statement, period, line_code, amount_rpt as amount
            from {{int_fs_line_contributions}}
            where statement in ('balance_sheet', 'income_statement')
            union all
            select statement, period, line_code, amount
            from {{consolidation_eliminations}}
            where {_BOTH_IN_SCOPE}
        ) as entries
        group by statement, period, line_code
    )"""

#: Monthly items of the cash flow statement (cash_flow_statement's group rows, over the scope).
_CF_ITEMS = f"""
    rates as (select distinct org_code, period, average_rate from {{trial_balance}}),
    cf_lines as (
        select line_code, case when normal_side = 'outflow' then -1 else 1 end as direction
        from {{fs_lines}} where statement = 'cash_flow'
    ),
    movements as (
        select org_code, period, coalesce(line_code, 'CF_UNCLASSIFIED') as line_code,
               coalesce({_BOTH_IN_SCOPE}, false) as is_internal, sum(cash_effect) as cash_effect
        from {{int_cash_flow_movements}}
        group by all
    ),
    flows_by_org as (
        select m.period, m.line_code,
               {_convert("sum(l.direction * m.cash_effect)", "max(r.average_rate)")} as amount
        from movements m
        join cf_lines l on l.line_code = m.line_code
        join rates r on r.org_code = m.org_code and r.period = m.period
        where not m.is_internal
        group by m.org_code, m.period, m.line_code
    ),
    translated as (
        select period, line_code, sum(amount) as amount from flows_by_org group by period, line_code
        union all
        select m.period, 'CF_UNCLASSIFIED', sum({_convert("m.cash_effect", "r.average_rate")})
        from movements m join rates r on r.org_code = m.org_code and r.period = m.period
        where m.is_internal
        group by m.period
    ),
    cash as (
        select p.period, coalesce(sum(tb.closing_balance_rpt), 0) as closing_cash
        from periods p
        left join {{trial_balance}} tb
            on tb.period = p.period
            and exists (select 1 from {{cash_flow_rules}} c
                        where c.role = 'cash' and starts_with(tb.account_code, c.account_prefix))
        group by p.period
    ),
    cash_with_opening as (
        select period, closing_cash, coalesce(lag(closing_cash) over (order by period), 0) as opening_cash
        from cash
    ),
    fx_effect as (
        select c.period, 'CF_FX_EFFECT' as line_code,
               c.closing_cash - c.opening_cash - coalesce(sum(t.amount * l.direction), 0) as amount
        from cash_with_opening c
        left join translated t on t.period = c.period
        left join cf_lines l on l.line_code = t.line_code
        group by c.period, c.closing_cash, c.opening_cash
    ),
    items as (
        select 'cash_flow' as statement, period, line_code, sum(amount) as amount from (
            select period, line_code, amount from translated
            union all
            select period, line_code, amount from fx_effect
            union all
            select period, 'CF_OPENING_CASH', opening_cash from cash_with_opening
        ) as monthly
        group by period, line_code
    )"""


def _statement_values(items: str, statements: str) -> str:
    """CTEs ending in ``fs_values``: every line of ``statements`` (a SQL list of names) for
    every period of the user's books, its month (``period_amount``) and year to date
    (``ytd_amount``; the opening cash of a year is its first month's), subtotals and totals by
    the formulas, headers and notes empty - as the statement marts compute them."""
    return f"""
    periods as (
        select distinct period, substr(period, 1, 4) as fiscal_year from {{trial_balance}}
    ),
    first_months as (select fiscal_year, min(period) as period from periods group by fiscal_year),
    {items},
    item_values as (
        select i.statement, p.period, i.line_code,
               sum(case when i.period = p.period then i.amount else 0 end) as period_amount,
               case when i.line_code = 'CF_OPENING_CASH'
                    then sum(case when i.period = f.period then i.amount else 0 end)
                    else sum(i.amount) end as ytd_amount
        from periods p
        join first_months f on f.fiscal_year = p.fiscal_year
        join items i on i.period between p.fiscal_year || '-01' and p.period
        group by i.statement, p.period, i.line_code
    ),
    formula_values as (
        select v.statement, v.period, leaves.line_code,
               sum(leaves.weight * v.period_amount) as period_amount,
               sum(leaves.weight * v.ytd_amount) as ytd_amount
        from item_values v
        join {{int_fs_formula_leaves}} leaves
            on leaves.statement = v.statement and leaves.leaf_line_code = v.line_code
        group by v.statement, v.period, leaves.line_code
    ),
    fs_values as (
        select l.statement, p.period, l.display_order, l.line_no, l.line_code, l.line_name, l.line_name_en,
               l.kind, l.indent, l.side,
               case when l.kind in ('header', 'note') then null
                    when l.kind in ('subtotal', 'total') then {_money("coalesce(fv.period_amount, 0)")}
                    else {_money("coalesce(iv.period_amount, 0)")} end as period_amount,
               case when l.kind in ('header', 'note') then null
                    when l.kind in ('subtotal', 'total') then {_money("coalesce(fv.ytd_amount, 0)")}
                    else {_money("coalesce(iv.ytd_amount, 0)")} end as ytd_amount
        from {{fs_lines}} l
        cross join periods p
        left join item_values iv
            on iv.statement = l.statement and iv.period = p.period and iv.line_code = l.line_code
        left join formula_values fv
            on fv.statement = l.statement and fv.period = p.period and fv.line_code = l.line_code
        where l.statement in ({statements})
    )"""


#: The amount columns of each statement, as its mart names them.
_AMOUNTS = {
    "balance_sheet": "cur.period_amount as closing_balance, pye.period_amount as prior_year_end_balance",
    "income_statement": "cur.period_amount, cur.ytd_amount, "
    "py.period_amount as prior_year_period_amount, py.ytd_amount as prior_year_ytd_amount",
}
_AMOUNTS["cash_flow"] = _AMOUNTS["income_statement"]


def _statement(items: str, statement: str) -> str:
    """One statement of period ``$1`` over the user's orgs, in the mart's columns."""
    return f"""
    with {_statement_values(items, f"'{statement}'")}
    select cur.period, {_CURRENCY} as currency, {_ORG_CODES} as org_codes,
           cur.side, cur.display_order, cur.line_no, cur.line_code, cur.line_name, cur.line_name_en,
           cur.kind, cur.indent, {_AMOUNTS[statement]}
    from fs_values cur
    left join fs_values py
        on py.line_code = cur.line_code
        and py.period = strftime(cast(cur.period || '-01' as date) - interval 12 month, '%Y-%m')
    left join fs_values pye
        on pye.line_code = cur.line_code
        and pye.period = cast(cast(substr(cur.period, 1, 4) as integer) - 1 as varchar) || '-12'
    where cur.period = $1
    order by cur.display_order"""


# --- the KPIs of the overview ------------------------------------------------------------------

#: kpi_monthly's columns and the statement lines each is read from (as kpi_monthly reads them).
_KPI_LINES = {
    "revenue": ("REVENUE",),
    "cost_of_sales": ("COST_OF_SALES",),
    "operating_expenses": ("SELLING_EXPENSES", "ADMIN_EXPENSES", "RD_EXPENSES"),
    "finance_costs": ("FINANCE_COSTS",),
    "net_profit": ("NET_PROFIT",),
    "cash": ("MONETARY_FUNDS",),
    "accounts_receivable": ("ACCOUNTS_RECEIVABLE",),
    "accounts_payable": ("ACCOUNTS_PAYABLE",),
    "total_assets": ("TOTAL_ASSETS",),
}
_KPI_SUMS = ",\n            ".join(
    "sum(case when line_code in ({}) then period_amount else 0 end) as {}".format(
        ", ".join(f"'{code}'" for code in codes), name
    )
    for name, codes in _KPI_LINES.items()
)
_KPI = f"""
    with {_statement_values(_FS_ITEMS, "'balance_sheet', 'income_statement'")},
    by_period as (
        select period,
            {_KPI_SUMS}
        from fs_values
        where statement = 'income_statement'
           or line_code in ('MONETARY_FUNDS', 'ACCOUNTS_RECEIVABLE', 'ACCOUNTS_PAYABLE', 'TOTAL_ASSETS')
        group by period
    )
    select period, {_CURRENCY} as currency, {_ORG_CODES} as org_codes,
           revenue, cost_of_sales, revenue - cost_of_sales as gross_margin, operating_expenses,
           finance_costs, net_profit, cash, accounts_receivable, accounts_payable, total_assets
    from by_period
    order by period"""


# --- lists -------------------------------------------------------------------------------------


def _aging(ledger: str, party: str) -> str:
    """The aging of ``ledger`` (AR / AP) for period ``$1``, as ar_aging / ap_aging build the group:
    each open item at its period's closing rate, parties that are one of the user's orgs left
    out, bucketed by days past due per party."""
    buckets = {
        "not_yet_due": "days_past_due < 0",
        "days_0_30": "days_past_due between 0 and 30",
        "days_31_60": "days_past_due between 31 and 60",
        "days_61_90": "days_past_due between 61 and 90",
        "days_over_90": "days_past_due > 90",
    }
    sums = ",\n           ".join(
        _money(f"sum(case when {cond} then amount else 0 end)") + f" as {name}"
        for name, cond in buckets.items()
    )
    return f"""
    with items as (
        select o.period, o.as_of_date, o.counterparty_code, o.days_past_due, o.due_date,
               {_convert("o.open_amount_base", "r.closing_rate")} as amount
        from {{subledger_open_items}} o
        join (select distinct org_code, period, closing_rate from {{trial_balance}}) r
            on r.org_code = o.org_code and r.period = o.period
        where o.ledger = '{ledger}' and o.period = $1 and o.counterparty_code not in {_intercompany(party)}
    )
    select i.period, max(i.as_of_date) as as_of_date, i.counterparty_code as {party}_code,
           max(p.{party}_name) as {party}_name, {_CURRENCY} as currency, {_ORG_CODES} as org_codes,
           count(*) as open_item_count, {_money("sum(amount)")} as open_amount,
           {sums},
           max(days_past_due) as max_days_past_due, min(due_date) as oldest_due_date
    from items i
    left join {{dim_{party}}} p on p.{party}_code = i.counterparty_code
    group by i.period, i.counterparty_code
    order by open_amount desc"""


SQL: dict[str, str] = {
    "scoped_balance_sheet": _statement(_FS_ITEMS, "balance_sheet"),
    "scoped_income_statement": _statement(_FS_ITEMS, "income_statement"),
    "scoped_cash_flow_statement": _statement(_CF_ITEMS, "cash_flow"),
    "kpi_monthly_consolidated": _KPI,
    "scoped_trial_balance": f"""
        with summed as (
            select period, account_code, max(account_name) as account_name,
                   max(account_name_en) as account_name_en, max(account_type) as account_type,
                   max(statement) as statement,
                   sum(opening_balance_rpt) as opening_balance, sum(period_debit_rpt) as period_debit,
                   sum(period_credit_rpt) as period_credit,
                   sum(translation_difference_rpt) as translation_difference,
                   sum(closing_balance_rpt) as closing_balance, count(distinct org_code) as org_count
            from {{trial_balance}}
            where period = $1
            group by period, account_code
        ),
        translation as (  -- what the translation rates leave over, so the whole nets to zero
            select period, 'CTA' as account_code, '外币报表折算差额' as account_name,
                   'Currency translation difference' as account_name_en, 'equity' as account_type,
                   'balance_sheet' as statement, -sum(opening_balance) as opening_balance,
                   greatest(-sum(period_debit - period_credit), 0) as period_debit,
                   greatest(sum(period_debit - period_credit), 0) as period_credit,
                   -sum(translation_difference) as translation_difference,
                   -sum(closing_balance) as closing_balance, 0 as org_count
            from summed
            group by period
        )
        select period, account_code, account_name, account_name_en, account_type, statement,
               {_CURRENCY} as currency, {_ORG_CODES} as org_codes,
               {_money("opening_balance")} as opening_balance, {_money("period_debit")} as period_debit,
               {_money("period_credit")} as period_credit,
               {_money("period_debit - period_credit")} as period_net,
               {_money("translation_difference")} as translation_difference,
               {_money("closing_balance")} as closing_balance, account_code = 'CTA' as is_translation_line,
               org_count
        from (select * from summed union all select * from translation) as tb
        order by account_code""",
    "scoped_ar_aging": _aging("AR", "customer"),
    "scoped_ap_aging": _aging("AP", "supplier"),
    "scoped_expense_by_department": f"""
        select period, dept_code, max(dept_name) as dept_name, max(dept_name_en) as dept_name_en,
               max(dept_function) as dept_function, account_code, max(account_name) as account_name,
               max(account_name_en) as account_name_en, max(expense_category) as expense_category,
               sum(line_count) as line_count, {_CURRENCY} as currency, {_ORG_CODES} as org_codes,
               sum(amount_rpt) as amount
        from {{expense_by_department}}
        where period = $1 and {_ORG_ROWS}
        group by period, dept_code, account_code
        order by dept_code, account_code""",
    "scoped_sales_margin": f"""
        select period, customer_code, max(customer_name) as customer_name, material_code,
               max(material_name) as material_name, max(material_group) as material_group,
               sum(quantity_invoiced) as quantity_invoiced, sum(quantity_delivered) as quantity_delivered,
               {_CURRENCY} as currency, {_ORG_CODES} as org_codes,
               sum(revenue_rpt) as revenue, sum(cost_of_sales_rpt) as cost_of_sales,
               sum(revenue_rpt) - sum(cost_of_sales_rpt) as gross_margin,
               case when sum(revenue_rpt) = 0 then null
                    else cast(round((sum(revenue_rpt) - sum(cost_of_sales_rpt)) / sum(revenue_rpt), 4)
                              as decimal(9, 4)) end as gross_margin_pct
        from {{sales_margin}}
        where period = $1 and {_ORG_ROWS} and customer_code not in {_intercompany("customer")}
        group by period, customer_code, material_code
        order by revenue desc""",
    # what cannot be classified: the orgs' own items (each in its currency)
    "scoped_cash_flow_unclassified": f"""
        select * from {{cash_flow_unclassified}}
        where period = $1 and {_ORG_ROWS}
        order by abs(amount) desc""",
    # what a consolidated line is made of: each org's translated total and the eliminations
    # between the user's orgs ($1 statement, $2 line, $3..$4 periods)
    "scoped_line_details": f"""
        select d.source_org_code, d.entry_kind, d.account_code, a.account_name, a.account_name_en,
               d.party_type, d.party_code, d.rule_id, d.currency, sum(d.amount) as amount
        from (
            select org_code as source_org_code, 'org_total' as entry_kind, null as account_code,
                   null as party_type, null as party_code, null as rule_id,
                   reporting_currency as currency, amount_rpt as amount
            from {{int_fs_line_contributions}}
            where statement = $1 and line_code = $2 and period between $3 and $4
            union all
            select org_code, entry_kind, account_code, party_type, party_code, rule_id, currency, amount
            from {{consolidation_eliminations}}
            where statement = $1 and line_code = $2 and period between $3 and $4 and {_BOTH_IN_SCOPE}
        ) d
        left join {{dim_account}} a on a.account_code = d.account_code
        group by all
        order by abs(sum(d.amount)) desc""",
}
