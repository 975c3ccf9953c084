"""Every SQL statement the app runs, by name.

``{model}`` placeholders are replaced by :mod:`app.lib.warehouse` with the
relation found in ``information_schema`` (quoted); values are always ``?``
parameters. Lists bind as DuckDB LISTs (``list_contains(?, col)``).

Fact tables (``fct_*``, ``recon_items``) are only ever read with a filter on
org, period, account or document, or aggregated to a handful of rows.
:func:`page_requests` names the batch each page runs on open; the timing
helper (:mod:`app.lib.timing`) measures exactly those batches.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.lib.consolidation_sql import SQL as CONSOLIDATION_SQL

#: Columns of ``fct_business_events`` that may link a document to the rest of
#: its chain (order → receipt/delivery → invoice → payment). Only these names
#: are ever put into SQL as identifiers, and only when the catalog has them.
LINK_COLUMNS = (
    "order_no",
    "po_no",
    "so_no",
    "gr_no",
    "delivery_no",
    "invoice_no",
    "related_document_no",
    "source_order_no",
    "parent_document_no",
    "claim_id",
)

#: Rows a list query returns at most (the page says when it truncates).
LIST_LIMIT = 2000

SQL: dict[str, str] = {
    # --- shared filters -------------------------------------------------------
    "periods": "select distinct period from {trial_balance} where period is not null order by period",
    "periods_kpi_monthly": "select distinct period from {kpi_monthly} where period is not null order by 1",
    "periods_recon_items": "select distinct period from {recon_items} where period is not null order by 1",
    "periods_fct_gl_lines": "select distinct period from {fct_gl_lines} where period is not null order by 1",
    "orgs": "select * from {dim_org} order by org_code",
    "closed_period": """
        select max(period) as period from (
            select period from {dim_period} group by period having bool_and(is_closed))""",
    "accounts": "select * from {dim_account} order by account_code",
    # --- management overview ------------------------------------------------
    "kpi_monthly": "select * from {kpi_monthly} where list_contains(?, org_code) order by org_code, period",
    "ar_aging_period": """
        select * from {ar_aging} where list_contains(?, org_code) and period = ?
        order by org_code, aging_id""",
    "recon_open_by_org_period": """
        select org_code, period, count(distinct coalesce(business_document_no, gl_voucher_no)) as open_count,
               count(*) as leg_count, sum(abs(coalesce(difference, 0))) as open_amount
        from {recon_items}
        where recon_status <> 'matched' and list_contains(?, org_code)
        group by org_code, period order by period, org_code""",
    "sales_margin_range": """
        select * from {sales_margin}
        where list_contains(?, org_code) and period between ? and ?
        order by org_code, period, sales_margin_id""",
    "expense_dept_range": """
        select * from {expense_by_department}
        where list_contains(?, org_code) and period between ? and ?
        order by org_code, period, expense_id""",
    # --- financial reports ---------------------------------------------------
    "trial_balance_consolidated": """
        select * from {trial_balance_consolidated} where period = ? order by account_code""",
    "trial_balance": """
        select tb.*
        from {trial_balance} tb
        where tb.org_code = ? and tb.period = ?
        order by tb.account_code""",
    "balance_sheet": "select * from {balance_sheet} where org_code = ? and period = ? order by display_order",
    "income_statement": """
        select * from {income_statement} where org_code = ? and period = ? order by display_order""",
    "cash_flow_statement": """
        select * from {cash_flow_statement} where org_code = ? and period = ? order by display_order""",
    "cash_flow_unclassified": """
        select * from {cash_flow_unclassified} where org_code = ? and period = ?
        order by abs(amount) desc, unclassified_id""",
    # only between two orgs the user sees (for a user granted every org: all of them)
    "eliminations": """
        select * from {consolidation_eliminations}
        where period = ? and counterparty_org_code in (select org_code from {dim_org})
        order by statement, line_code, org_code, counterparty_org_code""",
    "ar_aging": """
        select * from {ar_aging} where org_code = ? and period = ? order by open_amount desc, aging_id""",
    "ap_aging": """
        select * from {ap_aging} where org_code = ? and period = ? order by open_amount desc, aging_id""",
    "expense_by_department": """
        select * from {expense_by_department} where org_code = ? and period = ?
        order by dept_code, account_code, expense_id""",
    "sales_margin": """
        select * from {sales_margin} where org_code = ? and period = ?
        order by revenue desc, sales_margin_id""",
    "fs_lines": "select * from {fs_lines} where statement = ? order by display_order",
    "cash_flow_movements": """
        select m.*, a.account_name, a.account_name_en
        from {int_cash_flow_movements} m left join {dim_account} a on a.account_code = m.account_code
        where m.org_code = ? and m.period between ? and ? and coalesce(m.line_code, 'CF_UNCLASSIFIED') = ?
        order by m.voucher_date, m.voucher_id
        limit 5000""",
    "line_details": """
        select d.source_org_code, d.entry_kind, d.account_code, a.account_name, a.account_name_en,
               d.party_type, d.party_code, d.rule_id, d.currency, sum(d.amount) as amount
        from {statement_line_details} d left join {dim_account} a on a.account_code = d.account_code
        where d.org_code = ? and d.statement = ? and d.line_code = ? and d.period between ? and ?
        group by all
        order by abs(sum(d.amount)) desc, d.source_org_code, d.entry_kind, d.account_code, d.party_type,
                 d.party_code, d.rule_id, d.currency""",
    "gl_lines_account": """
        select gl_line_id, voucher_date, voucher_word, voucher_no, line_no, summary, account_code,
               debit, credit, currency, amount_original, fx_rate, supplier_code, customer_code,
               employee_code, dept_code, source_document_no, voucher_id
        from {fct_gl_lines}
        where org_code = ? and period = ? and starts_with(account_code, ?)
        order by voucher_date, voucher_word, voucher_no, line_no
        limit 5000""",
    "gl_lines_range": """
        select gl_line_id, period, voucher_date, voucher_word, voucher_no, line_no, summary, account_code,
               debit, credit, currency, amount_original, fx_rate, supplier_code, customer_code,
               employee_code, dept_code, source_document_no, voucher_id
        from {fct_gl_lines}
        where org_code = ? and period between ? and ? and starts_with(account_code, ?)
          and (? = '' or ? = coalesce(case ? when 'customer' then customer_code
                                             when 'supplier' then supplier_code
                                             when 'employee' then employee_code end, '(none)'))
        order by voucher_date, voucher_word, voucher_no, line_no
        limit 5000""",
    "gl_lines_docs": """
        select gl_line_id, org_code, period, voucher_date, voucher_word, voucher_no, line_no, summary,
               account_code, debit, credit, currency, amount_original, source_document_no, voucher_id
        from {fct_gl_lines}
        where list_contains(?, source_document_no)
        order by voucher_date, voucher_no, line_no""",
    "events_docs": """
        select * from {fct_business_events}
        where list_contains(?, document_no)
        order by event_date, event_id""",
    # --- reconciliation -----------------------------------------------------
    "recon_summary": """
        select recon_status, org_code, period, control_account,
               count(distinct coalesce(business_document_no, gl_voucher_no)) as document_count,
               count(*) as item_count,
               sum(coalesce(business_amount_base, 0)) as business_amount,
               sum(coalesce(gl_amount_base, 0)) as gl_amount,
               sum(coalesce(difference, 0)) as difference
        from {recon_items}
        where list_contains(?, org_code) and period between ? and ?
        group by all order by period, org_code, control_account, recon_status""",
    "recon_by_status": """
        select recon_status, count(distinct coalesce(business_document_no, gl_voucher_no)) as document_count,
               count(*) as item_count, sum(coalesce(difference, 0)) as difference
        from {recon_items}
        where list_contains(?, org_code) and period between ? and ?
        group by recon_status order by recon_status""",
    "recon_bridge": """
        select * from {recon_account_bridge}
        where list_contains(?, org_code) and period = ?
        order by org_code, control_account""",
    "recon_exceptions": """
        select recon_status, org_code, period, control_account, event_type,
               business_document_no, item_date, business_amount_base,
               gl_voucher_no, gl_amount_base, difference,
               date_diff('day', item_date, ?::date) as age_days,
               match_tier, reason_zh, reason_en
        from {recon_items}
        where recon_status <> 'matched' and list_contains(?, org_code) and period between ? and ?
          and list_contains(?, recon_status)
          and (? = '' or contains(
                upper(coalesce(business_document_no, '') || ' ' || coalesce(gl_voucher_no, '')), upper(?)))
        order by abs(coalesce(difference, 0)) desc, period, business_document_no, item_id
        limit 2000""",
    "recon_open_trend": """
        select period, recon_status,
               count(distinct coalesce(business_document_no, gl_voucher_no)) as open_count,
               count(*) as leg_count, sum(abs(coalesce(difference, 0))) as open_amount
        from {recon_items}
        where recon_status <> 'matched' and list_contains(?, org_code)
        group by period, recon_status order by period, recon_status""",
    # --- voucher proposals --------------------------------------------------
    "proposal_statuses": "select distinct status from {voucher_proposals} order by status",
    "proposal_summary": """
        select status, event_type, count(*) as proposal_count, sum(total_debit) as amount
        from {voucher_proposals}
        where list_contains(?, org_code) and target_period between ? and ?
        group by status, event_type order by status, event_type""",
    "proposals": """
        select * from {voucher_proposals}
        where list_contains(?, org_code) and target_period between ? and ?
          and (len(?::varchar[]) = 0 or list_contains(?::varchar[], status))
          and (len(?::varchar[]) = 0 or list_contains(?::varchar[], event_type))
        order by target_period, voucher_date, proposal_id
        limit 2000""",
    "proposal_lines": """
        select l.*, a.account_name
        from {voucher_proposal_lines} l left join {dim_account} a on a.account_code = l.account_code
        where list_contains(?, l.proposal_id)
        order by l.proposal_id, l.line_no""",
    "unposted": "select * from {voucher_unposted} order by event_id limit 5000",
    "posting_rule": "select * from {posting_rules} where rule_id = ?",
    # --- integration monitor ------------------------------------------------
    "load_history": "select * from {mon_load_history} order by started_at desc limit 2000",
    "quarantine_counts": """
        select source_name, table_name, reason, count(*) as row_count
        from {mon_quarantine} group by all order by row_count desc""",
    "quarantine_rows": "select * from {mon_quarantine} order by quarantine_id limit 1000",
    "data_quality_counts": """
        select source_name, table_name, check_name, count(*) as row_count
        from {mon_data_quality} group by all order by source_name, table_name, check_name""",
    "data_quality_rows": "select * from {mon_data_quality} order by found_at desc, finding_id limit 1000",
    "dbt_results": "select * from {mon_dbt_results} order by status, unique_id",
    "dbt_results_any": "select * from {ops.dbt_results}",
    "unmapped_codes": "select * from {mon_unmapped_codes}",
    "mon_recon_trend": "select * from {mon_recon_trend}",
    "row_counts": "select schema_name, table_name, estimated_size from duckdb_tables() order by 1, 2",
}
SQL.update(CONSOLIDATION_SQL)  # the consolidation over a user's orgs (app.lib.consolidation_sql)


#: The reports page's lists that the group has rows of too (parameters: org, period).
REPORT_LISTS = ("ar_aging", "ap_aging", "expense_by_department", "sales_margin")
#: The reports page's statements and tables of one org, in tab order (parameters: org, period).
REPORT_QUERIES = (
    "balance_sheet",
    "income_statement",
    "cash_flow_statement",
    "trial_balance",
    *REPORT_LISTS,
)

#: The pages each named query serves. A user runs a query only when one of their roles
#: opens one of its pages (``app/roles.toml``); ``*``: the filters every page needs.
#: A query not listed here is refused to everyone (a test checks that none is missing).
QUERY_PAGES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "periods",
            "periods_kpi_monthly",
            "periods_recon_items",
            "periods_fct_gl_lines",
            "orgs",
            "closed_period",
            "accounts",
        ),
        ("*",),
    ),
    **dict.fromkeys(
        (
            "kpi_monthly",
            "kpi_monthly_consolidated",
            "ar_aging_period",
            "recon_open_by_org_period",
            "sales_margin_range",
            "expense_dept_range",
        ),
        ("overview",),
    ),
    **dict.fromkeys(
        (
            "trial_balance_consolidated",
            *REPORT_QUERIES,
            "eliminations",
            "cash_flow_unclassified",
            "cash_flow_movements",
            "gl_lines_account",
        ),
        ("reports",),
    ),
    # the consolidation over the orgs of a user granted only some (app.lib.consolidation)
    **dict.fromkeys((f"scoped_{name}" for name in (*REPORT_QUERIES, "cash_flow_unclassified")), ("reports",)),
    # the drill-down from a figure (reports, overview) to its accounts, GL lines and documents;
    # a document's chain also from a voucher proposal
    **dict.fromkeys(
        ("fs_lines", "line_details", "scoped_line_details", "gl_lines_range"), ("reports", "overview")
    ),
    **dict.fromkeys(("gl_lines_docs", "events_docs", "events_linked"), ("reports", "overview", "vouchers")),
    **dict.fromkeys(
        ("recon_summary", "recon_by_status", "recon_bridge", "recon_exceptions"), ("reconciliation",)
    ),
    "recon_open_trend": ("reconciliation", "monitor"),
    **dict.fromkeys(
        ("proposal_statuses", "proposal_summary", "proposals", "proposal_lines", "unposted", "posting_rule"),
        ("vouchers",),
    ),
    **dict.fromkeys(
        (
            "load_history",
            "quarantine_counts",
            "quarantine_rows",
            "data_quality_counts",
            "data_quality_rows",
            "dbt_results",
            "dbt_results_any",
            "unmapped_codes",
            "mon_recon_trend",
            "row_counts",
        ),
        ("monitor",),
    ),
}
#: Queries that need an action besides the page: raw records (quarantined, or findings about
#: loaded rows) are monitor details.
QUERY_ACTIONS: dict[str, str] = {"quarantine_rows": "monitor_details", "data_quality_rows": "monitor_details"}


def may_run(who: Any, name: str) -> bool:
    """Whether principal ``who`` (:class:`app.lib.access.Principal`) may run query ``name``."""
    key = name.split("|", 1)[0]
    pages = QUERY_PAGES.get(key)
    if pages is None:
        return False
    if "*" not in pages and not set(pages) & who.pages:
        return False
    action = QUERY_ACTIONS.get(key)
    return action is None or who.can(action)


def sql(name: str) -> str:
    """The SQL of a named query; ``events_linked|col,col`` builds the chain query."""
    if name.startswith("events_linked|"):
        cols = [c for c in name.split("|", 1)[1].split(",") if c]
        bad = [c for c in cols if c not in LINK_COLUMNS]
        if bad:
            raise KeyError(f"not a link column: {bad}")
        ors = " or ".join(f'list_contains(?, "{c}")' for c in cols)
        return (
            "select * from {fct_business_events} where list_contains(?, document_no)"
            + (f" or {ors}" if ors else "")
            + " order by event_date, event_id"
        )
    return SQL[name]


def linked_params(docs: list[str], cols: list[str]) -> tuple[Any, ...]:
    """Parameters for ``events_linked|cols``: the document list once per condition."""
    return tuple([list(docs)] * (1 + len(cols)))


def proposals_params(
    orgs: list[str], p0: str, p1: str, statuses: list[str], event_types: list[str]
) -> tuple[Any, ...]:
    """Parameters of ``proposals`` (an empty status / event-type list means all)."""
    return (orgs, p0, p1, list(statuses), list(statuses), list(event_types), list(event_types))


# --- periods ------------------------------------------------------------------


def shift_period(period: str, months: int) -> str:
    """``shift_period('2025-01', -1) == '2024-12'``."""
    y, m = (int(x) for x in period.split("-")[:2])
    idx = y * 12 + (m - 1) + months
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def period_end(period: str) -> dt.date:
    """The last day of a 'YYYY-MM' period."""
    nxt = shift_period(period, 1)
    y, m = (int(x) for x in nxt.split("-"))
    return dt.date(y, m, 1) - dt.timedelta(days=1)


def page_requests(page: str, f: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """The batch of named queries a page runs on open, for filters ``f``.

    ``f`` has ``orgs`` (list), ``org`` (one), ``p0``/``p1`` (range), ``period``.
    """
    orgs, org = list(f["orgs"]), f["org"]
    p0, p1, period = f["p0"], f["p1"], f["period"]
    if page == "overview":
        # all orgs: the group's own rows (reporting currency, intercompany eliminated)
        scope = ["GROUP"] if f.get("consolidated") else orgs
        return [
            ("kpi_monthly", ([*orgs, "GROUP"],)),
            ("ar_aging_period", (scope, p1)),
            ("recon_open_by_org_period", (orgs,)),
            ("sales_margin_range", (scope, p0, p1)),
            ("expense_dept_range", (scope, p0, p1)),
        ]
    if page == "reports":
        if org == "GROUP":
            return [
                ("balance_sheet", (org, period)),
                ("income_statement", (org, period)),
                ("cash_flow_statement", (org, period)),
                ("trial_balance_consolidated", (period,)),
                *[(name, (org, period)) for name in REPORT_LISTS],
                ("eliminations", (period,)),
                ("cash_flow_unclassified", (org, period)),
            ]
        return [(name, (org, period)) for name in REPORT_QUERIES] + [
            ("eliminations", (period,)),
            ("cash_flow_unclassified", (org, period)),
        ]
    if page == "recon":
        return [
            ("recon_summary", (orgs, p0, p1)),
            ("recon_by_status", (orgs, p0, p1)),
            ("recon_bridge", (orgs, p1)),
            (
                "recon_exceptions",
                (
                    period_end(p1).isoformat(),
                    orgs,
                    p0,
                    p1,
                    list(f.get("statuses", EXCEPTION_STATUSES)),
                    "",
                    "",
                ),
            ),
            ("recon_open_trend", (orgs,)),
        ]
    if page == "vouchers":
        return [
            ("proposal_summary", (orgs, p0, p1)),
            (
                "proposals",
                proposals_params(orgs, p0, p1, f.get("proposal_statuses", []), f.get("event_types", [])),
            ),
            ("unposted", ()),
        ]
    if page == "monitor":
        return [
            ("load_history", ()),
            ("quarantine_counts", ()),
            ("quarantine_rows", ()),
            ("data_quality_counts", ()),
            ("data_quality_rows", ()),
            ("dbt_results", ()),
            ("unmapped_codes", ()),
            ("mon_recon_trend", ()),
        ]
    if page == "sql":
        return []
    raise KeyError(page)


#: Every reconciliation status (the workbench's default exception filter: all but matched).
RECON_STATUSES = (
    "matched",
    "amount_mismatch",
    "missing_in_gl",
    "missing_in_business",
    "duplicate_posting",
    "timing",
    "fx_difference",
    "ambiguous",
)
EXCEPTION_STATUSES = RECON_STATUSES[1:]
EVENT_TYPES = ("GR", "PINV", "PAY", "DN", "SINV", "REC", "EC_APPROVE", "CPAY", "ADV")
