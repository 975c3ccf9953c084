"""The consolidated view of a user granted only some orgs (app.lib.consolidation): computed by the
statements' rules over exactly those orgs, eliminations only between two of them.

* Over every org the computation gives the warehouse's own GROUP rows to the cent (every
  statement line, the trial balance, agings, expenses, margins).
* Over two orgs of the demo it equals the statements recomputed in Python from those orgs' GL
  lines (``statements_recompute``), and on the hand-computed fixture group every pair of orgs
  gives the figures worked out by hand below; each balances, and the tampered group does not.
* A two-org user's reports page offers the consolidation labelled as theirs, shows it, and no
  frame holds another org.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import combinations
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fixtures_access import login_session
from statements_recompute import Recompute, as_cents
from streamlit.testing.v1 import AppTest
from test_app_support import q

from app.lib import access, statements
from app.lib import warehouse as wh

APP = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")
TWO = ["ORG01", "ORG03"]
#: statement query -> (mart, amount columns)
STATEMENTS = {
    "scoped_balance_sheet": ("balance_sheet", ["closing_balance", "prior_year_end_balance"]),
    "scoped_income_statement": (
        "income_statement",
        ["period_amount", "ytd_amount", "prior_year_period_amount", "prior_year_ytd_amount"],
    ),
    "scoped_cash_flow_statement": (
        "cash_flow_statement",
        ["period_amount", "ytd_amount", "prior_year_period_amount", "prior_year_ytd_amount"],
    ),
}
#: list query -> (GROUP rows of, keys, amounts)
LISTS = {
    "scoped_trial_balance": (
        "trial_balance_consolidated",
        ["account_code"],
        ["closing_balance", "period_debit"],
    ),
    "scoped_ar_aging": ("ar_aging", ["customer_code"], ["open_amount", "days_0_30", "days_over_90"]),
    "scoped_ap_aging": ("ap_aging", ["supplier_code"], ["open_amount", "not_yet_due"]),
    "scoped_expense_by_department": ("expense_by_department", ["dept_code", "account_code"], ["amount"]),
    "scoped_sales_margin": ("sales_margin", ["customer_code", "material_code"], ["revenue", "gross_margin"]),
}


@pytest.fixture(scope="module")
def demo(request: pytest.FixtureRequest) -> Path:
    import os

    env = os.environ.get("LEDGERBRIDGE_APP_TEST_WAREHOUSE")
    return Path(env) if env and Path(env).exists() else Path(request.getfixturevalue("demo_warehouse"))


def cents(value) -> int | None:
    """An amount in cents; None for an empty cell."""
    return None if value is None or pd.isna(value) else as_cents(value)


def computed(path: Path, orgs: list[str], requests: list[tuple[str, tuple]]) -> list[pd.DataFrame]:
    """The app's consolidation queries run for a user granted ``orgs`` (their scoped views)."""
    with access.use(access.principal("u", ["finance"], orgs)):
        _, res = wh.timed_uncached(path, requests, codes=orgs)
    errors = [r for r in res if isinstance(r, Exception)]
    assert not errors, errors
    return res


def periods_of(path: Path) -> list[str]:
    """The first period, a year end and the last (comparison columns empty, full, year to date)."""
    ps = q(path, "select distinct period from finance.balance_sheet order by 1")["period"].tolist()
    return sorted({ps[0], next((p for p in ps if p.endswith("-12")), ps[-1]), ps[-1]})


@pytest.fixture(scope="module")
def recomputed_two(demo: Path) -> dict[str, pd.DataFrame]:
    """ORG01 and ORG03 consolidated in Python from their GL lines (cents)."""
    con = duckdb.connect(str(demo), read_only=True)
    try:
        return Recompute(con, only=TWO).statements()
    finally:
        con.close()


# --- over every org: the group's own rows ------------------------------------------------------


def test_over_every_org_the_computation_is_the_groups_own_rows(demo: Path):
    orgs = q(demo, "select org_code from core.dim_org order by 1")["org_code"].tolist()
    compared = dict.fromkeys(LISTS, 0)
    for period in periods_of(demo):
        got = computed(demo, orgs, [(name, (period,)) for name in (*STATEMENTS, *LISTS)])
        for res, (mart, cols) in zip(got, STATEMENTS.values(), strict=False):
            want = q(
                demo,
                f"select * from finance.{mart} where org_code = 'GROUP' and period = ? "
                "order by display_order",
                period,
            )
            assert res["line_code"].tolist() == want["line_code"].tolist() and len(want) > 30
            for col in cols:
                assert [cents(v) for v in res[col]] == [cents(v) for v in want[col]], (
                    mart,
                    period,
                    col,
                )
        for res, (name, (mart, keys, cols)) in zip(got[len(STATEMENTS) :], LISTS.items(), strict=True):
            want = q(demo, f"select * from finance.{mart} where org_code = 'GROUP' and period = ?", period)
            both = want.merge(res, on=keys, how="outer", suffixes=("_g", "_c"), indicator=True)
            assert (both["_merge"] == "both").all(), (name, period)
            compared[name] += len(both)
            for col in cols:
                assert [cents(v) for v in both[f"{col}_g"]] == [cents(v) for v in both[f"{col}_c"]], (
                    name,
                    col,
                )
    assert all(compared.values()), compared


# --- over two orgs: a second route from the GL lines --------------------------------------------


def test_over_two_orgs_every_line_is_recomputed_from_their_gl_lines(demo: Path, recomputed_two):
    columns = {  # what the recomputation has of each statement
        "scoped_balance_sheet": ("balance_sheet", ["closing_balance", "prior_year_end_balance"]),
        "scoped_income_statement": (
            "income_statement",
            ["period_amount", "ytd_amount", "prior_year_period_amount"],
        ),
        "scoped_cash_flow_statement": ("cash_flow", ["period_amount"]),
    }
    eliminated = 0
    for period in periods_of(demo):
        got = computed(demo, TWO, [(name, (period,)) for name in columns])
        for res, (statement, cols) in zip(got, columns.values(), strict=True):
            py = recomputed_two[statement]
            py = py[(py.org_code == "GROUP") & (py.period == period)]
            both = res.merge(py, on="line_code", suffixes=("", "_py"))
            assert len(both) == len(res) == len(py)
            for col in cols:
                mine = [cents(v) for v in both[col]]
                theirs = [None if pd.isna(v) else int(v) for v in both[f"{col}_py"]]
                assert mine == theirs, (statement, period, col)
        eliminated += len(computed(demo, TWO, [("eliminations", (period,))])[0])
    assert eliminated > 0, "ORG01 and ORG03 trade with each other: the test covers eliminations"


# --- the hand-computed fixture group -----------------------------------------------------------

_D = Decimal
#: (orgs, statement, line) -> the 2025-01 figure, by hand (see statements_fixture's story):
HAND = {
    # A and B: A's sale to B (100 + 13 VAT, receivable CB / payable SA 113) eliminated
    (("ORG_A", "ORG_B"), "scoped_balance_sheet", "ACCOUNTS_RECEIVABLE"): _D("150.00"),  # B's C9 only
    (("ORG_A", "ORG_B"), "scoped_balance_sheet", "ACCOUNTS_PAYABLE"): _D("0.00"),
    (("ORG_A", "ORG_B"), "scoped_balance_sheet", "TOTAL_ASSETS"): _D("1699.00"),  # 1209 + 150 + 100 + 240
    (("ORG_A", "ORG_B"), "scoped_balance_sheet", "UNDISTRIBUTED_PROFIT"): _D("105.00"),  # 100 + (-45 + 50)
    (("ORG_A", "ORG_B"), "scoped_income_statement", "REVENUE"): _D("150.00"),  # 100 + 150 - 100
    (("ORG_A", "ORG_B"), "scoped_income_statement", "COST_OF_SALES"): _D("60.00"),  # 60 + 100 - 100
    (("ORG_A", "ORG_B"), "scoped_cash_flow_statement", "CF_CLOSING_CASH"): _D("1209.00"),  # 709 + 500
    # A and U: B is a third party here, so A's receivable from it and the sale stay
    (("ORG_A", "ORG_U"), "scoped_balance_sheet", "ACCOUNTS_RECEIVABLE"): _D("113.00"),
    (("ORG_A", "ORG_U"), "scoped_balance_sheet", "MONETARY_FUNDS"): _D("1366.00"),  # 709 + 90 USD x 7.3
    (("ORG_A", "ORG_U"), "scoped_balance_sheet", "PAID_IN_CAPITAL"): _D("1730.00"),  # 1000 + 100 USD x 7.3
    (("ORG_A", "ORG_U"), "scoped_balance_sheet", "OTHER_COMPREHENSIVE_INCOME"): _D("-1.00"),
    (("ORG_A", "ORG_U"), "scoped_income_statement", "REVENUE"): _D("100.00"),
    (("ORG_A", "ORG_U"), "scoped_income_statement", "ADMIN_EXPENSES"): _D("152.00"),  # 80 + 10 USD x 7.2
    (("ORG_A", "ORG_U"), "scoped_cash_flow_statement", "CF_FX_EFFECT"): _D("9.00"),  # 657 - (720 - 72)
    # B and U: B's payable to A stays
    (("ORG_B", "ORG_U"), "scoped_balance_sheet", "ACCOUNTS_PAYABLE"): _D("113.00"),
    (("ORG_B", "ORG_U"), "scoped_income_statement", "NET_PROFIT"): _D("-22.00"),  # 50 - 72
}


def _amounts(res: pd.DataFrame) -> dict[str, Decimal]:
    col = "closing_balance" if "closing_balance" in res.columns else "period_amount"
    return {line: _D(str(v)) for line, v in zip(res["line_code"], res[col], strict=True) if pd.notna(v)}


def test_every_pair_of_the_fixture_groups_orgs_gives_the_hand_computed_figures(statements_fixture_build):
    path = statements_fixture_build.path
    for orgs in sorted({o for o, _, _ in HAND}):
        got = dict(
            zip(STATEMENTS, computed(path, list(orgs), [(n, ("2025-01",)) for n in STATEMENTS]), strict=True)
        )
        for (pair, name, line), want in HAND.items():
            if pair == orgs:
                assert _amounts(got[name]).get(line, _D("0")) == want, (orgs, line)
        # eliminations are listed only between the two
        (elim,) = computed(path, list(orgs), [("eliminations", ("2025-01",))])
        assert set(elim["org_code"]) | set(elim["counterparty_org_code"]) <= set(orgs)
        assert (len(elim) > 0) == (orgs == ("ORG_A", "ORG_B"))


def _unbalanced(path: Path) -> list[tuple]:
    """(orgs, period) whose consolidated balance sheet does not balance, for every pair of orgs."""
    orgs = q(path, "select org_code from core.dim_org order by 1")["org_code"].tolist()
    out = []
    for pair in combinations(orgs, 2):
        for period in ("2024-12", "2025-01"):
            (bs,) = computed(path, list(pair), [("scoped_balance_sheet", (period,))])
            if not statements.balance_check(bs)[0]:
                out.append((pair, period))
    return out


def test_every_pairs_balance_sheet_balances(statements_fixture_build):
    assert _unbalanced(statements_fixture_build.path) == []


def test_the_tampered_group_does_not_balance(tampered_build):
    """The same check on the group where ORG_B books 7.00 on an account no statement line maps:
    every pair with B fails. (ORG_A's unbalanced voucher does not show here: translating a
    book into the reporting currency puts what its balances leave over into 其他综合收益 - the
    warehouse's own test assert_balance_sheet_balances catches it on ORG_A's statement.)"""
    assert {pair for pair, _ in _unbalanced(tampered_build.path)} == {("ORG_A", "ORG_B"), ("ORG_B", "ORG_U")}


# --- the reports page of a two-org user --------------------------------------------------------


def test_a_two_org_user_sees_the_consolidation_over_their_orgs(
    demo: Path, recomputed_two, make_user, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(demo))
    monkeypatch.setenv("LEDGERBRIDGE_RUN_LOG", str(tmp_path / "none.sqlite"))
    make_user("fin.two", "finance", TWO)
    at = AppTest.from_file(APP, default_timeout=90)
    login_session(at, "fin.two")
    at.run()
    at.switch_page("app_pages/reports.py").run()
    box = at.selectbox(key="rp_org")
    assert box.options[-1].startswith("合并（仅含已授权组织 ORG01, ORG03")
    box.set_value("GROUP").run()
    assert not at.exception, [e.value for e in at.exception]
    period = at.selectbox(key="rp_period").value
    assert any("编制单位：合并（仅含已授权组织 ORG01, ORG03" in c.value for c in at.caption)
    # the balance sheet's totals as the recomputation from the two orgs' GL lines has them
    bs = next(d.value for d in at.dataframe if "项目" in d.value.columns).set_index("项目")
    py = recomputed_two["balance_sheet"]
    total = py[(py.org_code == "GROUP") & (py.period == period) & (py.line_code == "TOTAL_ASSETS")]
    assert bs.loc["资产总计", "期末余额"] == f"{int(total['closing_balance'].iloc[0]) / 100:,.2f}"
    assert any("报表平衡" in s.value for s in at.success)
    # no frame holds a third org; the eliminations are between the two
    for frame in at.dataframe:
        for col in ("org_code", "counterparty_org_code", "source_org_code"):
            if col in frame.value.columns:
                assert set(frame.value[col].dropna()) <= set(TWO), col
    elim = next(d.value for d in at.dataframe if "counterparty_org_code" in d.value.columns)
    assert len(elim) > 0
