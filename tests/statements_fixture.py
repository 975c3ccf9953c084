"""A tiny hand-computed group for the statement tests, built by the real dbt models.

Three orgs, two periods (2024-12 and 2025-01):

* ORG_A (CNY) sells to outside customers C1 and C2 and - intercompany - to ORG_B,
  which appears in its books as customer ``CB``; it overpays supplier S1 (a debit
  balance on 应付账款 → 预付款项) and receives an advance from C2 (a credit balance
  on 应收账款 → 预收款项); it accrues interest (财务费用 其中：利息费用).
* ORG_B (CNY) buys from ORG_A (supplier ``SA``) and sells to C9.
* ORG_U (USD) takes capital and pays an expense; USD→CNY average 7.2 and closing
  7.3 in 2025-01, so translation leaves 1.00 of 外币报表折算差额.

Every figure the tests expect is worked out by hand in ``EXPECTED``. The GL lines
go into a DuckDB file with the core tables the statement models read
(``core.fct_gl_lines``, ``core.dim_account``, ``core.dim_org``, ``core.dim_period``,
``intermediate.int_fx_period_rates``); dbt then builds the trial balance and every
statement model and test on it, with the demo seeds plus this group's
``group_counterparties``. ``tamper`` changes the GL before the build.

Not a test module (no tests).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT = ROOT / "dbt_project"

ORGS = [
    ("ORG_A", "甲公司", "Company A", "CNY"),
    ("ORG_B", "乙公司", "Company B", "CNY"),
    ("ORG_U", "美国公司", "Company U", "USD"),
]
CURRENCY = {code: currency for code, _, _, currency in ORGS}
PERIODS = ["2024-12", "2025-01"]
#: USD→CNY per period: (average, closing)
RATES = {"2024-12": ("7.000000", "7.100000"), "2025-01": ("7.200000", "7.300000")}
ACCOUNTS = [  # code, name, category, statement, type, normal balance
    ("100201", "银行存款-人民币户", "资产", "balance_sheet", "asset", "debit"),
    ("1122", "应收账款", "资产", "balance_sheet", "asset", "debit"),
    ("1405", "库存商品", "资产", "balance_sheet", "asset", "debit"),
    ("220201", "应付账款-供应商", "负债", "balance_sheet", "liability", "credit"),
    ("22210101", "应交增值税-进项税额", "负债", "balance_sheet", "liability", "debit"),
    ("22210108", "应交增值税-销项税额", "负债", "balance_sheet", "liability", "credit"),
    ("2231", "应付利息", "负债", "balance_sheet", "liability", "credit"),
    ("4001", "实收资本", "权益", "balance_sheet", "equity", "credit"),
    ("6001", "主营业务收入", "损益", "income_statement", "revenue", "credit"),
    ("6401", "主营业务成本", "损益", "income_statement", "expense", "debit"),
    ("6602", "管理费用", "损益", "income_statement", "expense", "debit"),
    ("660301", "财务费用-利息支出", "损益", "income_statement", "expense", "debit"),
]
#: (org, period, voucher no, [(account, debit, credit, customer, supplier), ...])
VOUCHERS: list[tuple[str, str, int, list[tuple[str, str, str, str | None, str | None]]]] = [
    ("ORG_A", "2024-12", 1, [("100201", "1000.00", "0", None, None), ("4001", "0", "1000.00", None, None)]),
    ("ORG_A", "2024-12", 2, [("1405", "500.00", "0", None, None), ("220201", "0", "500.00", None, "S1")]),
    (
        "ORG_A",
        "2024-12",
        3,
        [
            ("1122", "339.00", "0", "C1", None),
            ("6001", "0", "300.00", "C1", None),
            ("22210108", "0", "39.00", "C1", None),
        ],
    ),
    ("ORG_A", "2024-12", 4, [("6401", "200.00", "0", None, None), ("1405", "0", "200.00", None, None)]),
    ("ORG_A", "2025-01", 1, [("100201", "339.00", "0", None, None), ("1122", "0", "339.00", "C1", None)]),
    ("ORG_A", "2025-01", 2, [("100201", "50.00", "0", None, None), ("1122", "0", "50.00", "C2", None)]),
    ("ORG_A", "2025-01", 3, [("220201", "600.00", "0", None, "S1"), ("100201", "0", "600.00", None, None)]),
    ("ORG_A", "2025-01", 4, [("6602", "80.00", "0", None, None), ("100201", "0", "80.00", None, None)]),
    (
        "ORG_A",
        "2025-01",
        5,
        [
            ("1122", "113.00", "0", "CB", None),
            ("6001", "0", "100.00", "CB", None),
            ("22210108", "0", "13.00", "CB", None),
        ],
    ),
    ("ORG_A", "2025-01", 6, [("660301", "5.00", "0", None, None), ("2231", "0", "5.00", None, None)]),
    ("ORG_A", "2025-01", 7, [("6401", "60.00", "0", None, None), ("1405", "0", "60.00", None, None)]),
    ("ORG_B", "2025-01", 1, [("100201", "500.00", "0", None, None), ("4001", "0", "500.00", None, None)]),
    (
        "ORG_B",
        "2025-01",
        2,
        [
            ("1405", "100.00", "0", None, None),
            ("22210101", "13.00", "0", None, "SA"),
            ("220201", "0", "113.00", None, "SA"),
        ],
    ),
    ("ORG_B", "2025-01", 3, [("6401", "100.00", "0", None, None), ("1405", "0", "100.00", None, None)]),
    ("ORG_B", "2025-01", 4, [("1122", "150.00", "0", "C9", None), ("6001", "0", "150.00", "C9", None)]),
    ("ORG_U", "2025-01", 1, [("100201", "100.00", "0", None, None), ("4001", "0", "100.00", None, None)]),
    ("ORG_U", "2025-01", 2, [("6602", "10.00", "0", None, None), ("100201", "0", "10.00", None, None)]),
]
#: ORG_B is customer CB in ORG_A's books; ORG_A is supplier SA in ORG_B's.
GROUP_COUNTERPARTIES = [("ORG_B", "customer", "CB"), ("ORG_A", "supplier", "SA")]

_D = Decimal
#: Hand-computed figures: (org, period, statement, line) -> {column: amount}. Lines not
#: listed are 0. Worked out in the module docstring's story, line by line.
EXPECTED: dict[tuple[str, str, str, str], dict[str, Decimal | None]] = {
    # ORG_A balance sheet, 2025-01 (prior year end = 2024-12)
    ("ORG_A", "2025-01", "balance_sheet", "MONETARY_FUNDS"): {
        "closing_balance": _D("709.00"),
        "prior_year_end_balance": _D("1000.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "ACCOUNTS_RECEIVABLE"): {
        "closing_balance": _D("113.00"),
        "prior_year_end_balance": _D("339.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "PREPAYMENTS"): {
        "closing_balance": _D("100.00"),
        "prior_year_end_balance": _D("0.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "INVENTORIES"): {
        "closing_balance": _D("240.00"),
        "prior_year_end_balance": _D("300.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "TOTAL_ASSETS"): {
        "closing_balance": _D("1162.00"),
        "prior_year_end_balance": _D("1639.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "ACCOUNTS_PAYABLE"): {
        "closing_balance": _D("0.00"),
        "prior_year_end_balance": _D("500.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "ADVANCES_FROM_CUSTOMERS"): {
        "closing_balance": _D("50.00"),
        "prior_year_end_balance": _D("0.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "TAXES_PAYABLE"): {
        "closing_balance": _D("52.00"),
        "prior_year_end_balance": _D("39.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "OTHER_PAYABLES"): {
        "closing_balance": _D("5.00"),
        "prior_year_end_balance": _D("0.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "TOTAL_LIABILITIES"): {
        "closing_balance": _D("107.00"),
        "prior_year_end_balance": _D("539.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "PAID_IN_CAPITAL"): {
        "closing_balance": _D("1000.00"),
        "prior_year_end_balance": _D("1000.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "UNDISTRIBUTED_PROFIT"): {
        "closing_balance": _D("55.00"),
        "prior_year_end_balance": _D("100.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "TOTAL_EQUITY"): {
        "closing_balance": _D("1055.00"),
        "prior_year_end_balance": _D("1100.00"),
    },
    ("ORG_A", "2025-01", "balance_sheet", "TOTAL_LIABILITIES_AND_EQUITY"): {
        "closing_balance": _D("1162.00"),
        "prior_year_end_balance": _D("1639.00"),
    },
    # ORG_A income statement, 2025-01 (the year's first month: ytd = month; no 2024-01 books)
    ("ORG_A", "2025-01", "income_statement", "REVENUE"): {
        "period_amount": _D("100.00"),
        "ytd_amount": _D("100.00"),
        "prior_year_period_amount": None,
    },
    ("ORG_A", "2025-01", "income_statement", "COST_OF_SALES"): {"period_amount": _D("60.00")},
    ("ORG_A", "2025-01", "income_statement", "ADMIN_EXPENSES"): {"period_amount": _D("80.00")},
    ("ORG_A", "2025-01", "income_statement", "FINANCE_COSTS"): {"period_amount": _D("5.00")},
    ("ORG_A", "2025-01", "income_statement", "INTEREST_EXPENSE"): {"period_amount": _D("5.00")},
    ("ORG_A", "2025-01", "income_statement", "OPERATING_PROFIT"): {"period_amount": _D("-45.00")},
    ("ORG_A", "2025-01", "income_statement", "TOTAL_PROFIT"): {"period_amount": _D("-45.00")},
    ("ORG_A", "2025-01", "income_statement", "NET_PROFIT"): {
        "period_amount": _D("-45.00"),
        "ytd_amount": _D("-45.00"),
    },
    ("ORG_A", "2024-12", "income_statement", "NET_PROFIT"): {
        "period_amount": _D("100.00"),
        "ytd_amount": _D("100.00"),
    },
    # ORG_A cash flow, 2025-01
    ("ORG_A", "2025-01", "cash_flow", "CF_OP_SALES"): {"period_amount": _D("389.00")},
    ("ORG_A", "2025-01", "cash_flow", "CF_OP_PURCHASES"): {"period_amount": _D("600.00")},
    ("ORG_A", "2025-01", "cash_flow", "CF_OP_OTHER_OUT"): {"period_amount": _D("80.00")},
    ("ORG_A", "2025-01", "cash_flow", "CF_OP_NET"): {"period_amount": _D("-291.00")},
    ("ORG_A", "2025-01", "cash_flow", "CF_OPENING_CASH"): {
        "period_amount": _D("1000.00"),
        "ytd_amount": _D("1000.00"),
    },
    ("ORG_A", "2025-01", "cash_flow", "CF_CLOSING_CASH"): {
        "period_amount": _D("709.00"),
        "ytd_amount": _D("709.00"),
    },
    ("ORG_A", "2024-12", "cash_flow", "CF_FIN_EQUITY"): {"period_amount": _D("1000.00")},
    # ORG_B and ORG_U (USD) balance sheets, 2025-01
    ("ORG_B", "2025-01", "balance_sheet", "ACCOUNTS_PAYABLE"): {"closing_balance": _D("113.00")},
    ("ORG_B", "2025-01", "balance_sheet", "TAXES_PAYABLE"): {"closing_balance": _D("-13.00")},
    ("ORG_B", "2025-01", "balance_sheet", "TOTAL_ASSETS"): {"closing_balance": _D("650.00")},
    ("ORG_U", "2025-01", "balance_sheet", "MONETARY_FUNDS"): {"closing_balance": _D("90.00")},
    ("ORG_U", "2025-01", "balance_sheet", "UNDISTRIBUTED_PROFIT"): {"closing_balance": _D("-10.00")},
    ("ORG_U", "2025-01", "balance_sheet", "TOTAL_ASSETS"): {"closing_balance": _D("90.00")},
    ("ORG_U", "2025-01", "balance_sheet", "OTHER_COMPREHENSIVE_INCOME"): {"closing_balance": _D("0.00")},
    # the group, CNY, 2025-01: ORG_U at 7.3 (balances) / 7.2 (P&L); CB/SA eliminated
    ("GROUP", "2025-01", "balance_sheet", "MONETARY_FUNDS"): {
        "closing_balance": _D("1866.00"),
        "prior_year_end_balance": _D("1000.00"),
    },
    ("GROUP", "2025-01", "balance_sheet", "ACCOUNTS_RECEIVABLE"): {"closing_balance": _D("150.00")},
    ("GROUP", "2025-01", "balance_sheet", "PREPAYMENTS"): {"closing_balance": _D("100.00")},
    ("GROUP", "2025-01", "balance_sheet", "INVENTORIES"): {"closing_balance": _D("240.00")},
    ("GROUP", "2025-01", "balance_sheet", "ACCOUNTS_PAYABLE"): {"closing_balance": _D("0.00")},
    ("GROUP", "2025-01", "balance_sheet", "ADVANCES_FROM_CUSTOMERS"): {"closing_balance": _D("50.00")},
    ("GROUP", "2025-01", "balance_sheet", "OTHER_PAYABLES"): {"closing_balance": _D("5.00")},
    ("GROUP", "2025-01", "balance_sheet", "TAXES_PAYABLE"): {"closing_balance": _D("39.00")},
    ("GROUP", "2025-01", "balance_sheet", "TOTAL_ASSETS"): {
        "closing_balance": _D("2356.00"),
        "prior_year_end_balance": _D("1639.00"),
    },
    ("GROUP", "2025-01", "balance_sheet", "PAID_IN_CAPITAL"): {"closing_balance": _D("2230.00")},
    ("GROUP", "2025-01", "balance_sheet", "OTHER_COMPREHENSIVE_INCOME"): {"closing_balance": _D("-1.00")},
    ("GROUP", "2025-01", "balance_sheet", "UNDISTRIBUTED_PROFIT"): {"closing_balance": _D("33.00")},
    ("GROUP", "2025-01", "balance_sheet", "TOTAL_LIABILITIES_AND_EQUITY"): {"closing_balance": _D("2356.00")},
    ("GROUP", "2025-01", "income_statement", "REVENUE"): {"period_amount": _D("150.00")},
    ("GROUP", "2025-01", "income_statement", "COST_OF_SALES"): {"period_amount": _D("60.00")},
    ("GROUP", "2025-01", "income_statement", "ADMIN_EXPENSES"): {"period_amount": _D("152.00")},
    ("GROUP", "2025-01", "income_statement", "NET_PROFIT"): {"period_amount": _D("-67.00")},
    ("GROUP", "2025-01", "income_statement", "OCI_FX_TRANSLATION"): {"period_amount": _D("-1.00")},
    ("GROUP", "2025-01", "income_statement", "TOTAL_COMPREHENSIVE_INCOME"): {"period_amount": _D("-68.00")},
    ("GROUP", "2025-01", "cash_flow", "CF_OP_SALES"): {"period_amount": _D("389.00")},
    ("GROUP", "2025-01", "cash_flow", "CF_OP_OTHER_OUT"): {"period_amount": _D("152.00")},
    ("GROUP", "2025-01", "cash_flow", "CF_FIN_EQUITY"): {"period_amount": _D("1220.00")},
    ("GROUP", "2025-01", "cash_flow", "CF_FX_EFFECT"): {"period_amount": _D("9.00")},
    ("GROUP", "2025-01", "cash_flow", "CF_CLOSING_CASH"): {"period_amount": _D("1866.00")},
}

#: The models (and seeds) the fixture build selects; tests on them run too.
SELECT = [
    "fs_lines",
    "fs_line_formulas",
    "fs_account_rules",
    "fs_settings",
    "cash_flow_rules",
    "group_counterparties",
    "elimination_rules",
    "int_gl_account_balances",
    "trial_balance",
    "trial_balance_consolidated",
    "int_fs_formula_leaves",
    "int_fs_rule_matches",
    "int_fs_org_periods",
    "int_fs_account_balances",
    "int_fs_line_contributions",
    "int_cash_flow_movements",
    "consolidation_eliminations",
    "statement_line_details",
    "balance_sheet",
    "income_statement",
    "cash_flow_statement",
    "cash_flow_unclassified",
]

Line = tuple[str, str, str, str | None, str | None]


@dataclass
class FixtureBuild:
    """A built fixture warehouse and the dbt results of its build."""

    path: Path
    results: dict[str, str] = field(default_factory=dict)  # node name -> status

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path), read_only=True)

    def failed(self) -> set[str]:
        """Names of the tests that failed or warned."""
        return {n for n, s in self.results.items() if s in ("fail", "warn", "error")}


def gl_rows(vouchers=VOUCHERS) -> list[tuple]:
    """The vouchers as rows of core.fct_gl_lines."""
    rows = []
    for org, period, no, lines in vouchers:
        vid = f"{org}-{period}-记-{no}"
        for i, (acct, debit, credit, customer, supplier) in enumerate(lines, 1):
            rows.append(
                (
                    f"{vid}/{i}",
                    vid,
                    org,
                    period,
                    "记",
                    no,
                    i,
                    acct,
                    Decimal(debit),
                    Decimal(credit),
                    customer,
                    supplier,
                    None,
                    f"凭证 {no}",
                    f"DOC-{org}-{period}-{no}",
                    f"{period}-15",
                    CURRENCY[org],
                    Decimal(debit) - Decimal(credit),
                    Decimal(1),
                    None,
                )
            )
    return rows


def _write_inputs(path: Path, vouchers) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema core; create schema intermediate; create schema seeds")
        con.execute("""create table core.fct_gl_lines (gl_line_id varchar, voucher_id varchar,
            org_code varchar, period varchar, voucher_word varchar, voucher_no integer, line_no integer,
            account_code varchar,
            debit decimal(18,2), credit decimal(18,2), customer_code varchar, supplier_code varchar,
            employee_code varchar, summary varchar, source_document_no varchar, voucher_date date,
            currency varchar, amount_original decimal(18,2), fx_rate decimal(18,6), dept_code varchar)""")
        con.executemany(
            "insert into core.fct_gl_lines values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            gl_rows(vouchers),
        )
        con.execute("""create table core.dim_account (account_code varchar, account_name varchar,
            account_name_en varchar, account_category varchar, statement varchar, account_type varchar,
            normal_balance varchar)""")
        con.executemany(
            "insert into core.dim_account values (?, ?, ?, ?, ?, ?, ?)",
            [(a, n, n, c, s, t, nb) for a, n, c, s, t, nb in ACCOUNTS],
        )
        con.execute("""create table core.dim_org (org_code varchar, org_name varchar, org_name_en varchar,
            base_currency varchar, reporting_currency varchar)""")
        con.executemany("insert into core.dim_org values (?, ?, ?, ?, 'CNY')", ORGS)
        con.execute(
            """create table core.dim_period as
            select org_code, period, org_code || '|' || period as org_period_id,
                   cast(period || '-01' as date) as period_start_date,
                   last_day(cast(period || '-01' as date)) as period_end_date
            from (select org_code from core.dim_org), (select unnest(?) as period)""",
            [PERIODS],
        )
        con.execute("""create table intermediate.int_fx_period_rates (period varchar, from_currency varchar,
            to_currency varchar, average_rate decimal(18,6), closing_rate decimal(18,6))""")
        con.executemany(
            "insert into intermediate.int_fx_period_rates values (?, 'USD', 'CNY', ?, ?)",
            [(p, Decimal(a), Decimal(c)) for p, (a, c) in RATES.items()],
        )
        # the group's orgs as counterparties (in the warehouse: by tax id from the ERP, plus the seed)
        con.execute("""create table intermediate.int_group_counterparties (group_org_code varchar,
            party_type varchar, party_code varchar, identified_by varchar)""")
        con.executemany(
            "insert into intermediate.int_group_counterparties values (?, ?, ?, 'seed')", GROUP_COUNTERPARTIES
        )
    finally:
        con.close()


def _seeds(target: Path) -> Path:
    shutil.copytree(DBT_PROJECT / "seeds", target)
    with open(target / "group_counterparties.csv", "w", encoding="utf-8") as f:
        f.write("group_org_code,party_type,party_code,description\n")
        f.writelines(f"{o},{t},{c},fixture\n" for o, t, c in GROUP_COUNTERPARTIES)
    return target


@contextlib.contextmanager
def _env(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def build(workdir: Path, tamper: Callable[[list], list] | None = None) -> FixtureBuild:
    """Write the inputs (the vouchers, changed by ``tamper`` if given) and run
    ``dbt build`` of the statement models and their tests on them."""
    from dbt.cli.main import dbtRunner

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "fixture.duckdb"
    raw = workdir / "raw.duckdb"
    duckdb.connect(str(raw)).close()
    vouchers = [list(v) for v in VOUCHERS]
    vouchers = tamper(vouchers) if tamper else vouchers
    _write_inputs(path, vouchers)
    seeds = _seeds(workdir / "seeds")
    common = [
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--quiet",
        "--no-use-colors",
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
    ]
    results: dict[str, str] = {}
    with _env(
        LEDGERBRIDGE_DBT_PATH=str(path),
        LEDGERBRIDGE_RAW_PATH=str(raw),
        LEDGERBRIDGE_SEEDS=str(seeds),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_VERSION_CHECK="false",
    ):
        # seed and run first, then test: a failing test must not keep the statements from being built
        for command in ("seed", "run", "test"):
            res = dbtRunner().invoke(
                [command, "--select", *SELECT, "--indirect-selection", "cautious", *common]
            )
            if res.exception is not None:
                raise RuntimeError(f"dbt {command} failed to run on the fixture: {res.exception}")
            results |= {r.node.name: str(getattr(r.status, "value", r.status)) for r in res.result.results}
    models_failed = [n for n, s in results.items() if s == "error" and not n.startswith(("assert_", "warn_"))]
    if models_failed:
        raise RuntimeError(f"fixture models failed to build: {models_failed}")
    return FixtureBuild(path, results)
