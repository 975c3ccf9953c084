"""The statements (资产负债表, 利润表, 现金流量表) per org and for the group.

On a small hand-computed group built by the real dbt models (``statements_fixture``):
every figure worked out by hand, the form's structure, the dbt tests, the
eliminations; the same fixture tampered (an unbalanced voucher, an unmapped
account, intercompany balances that disagree) makes the tests fail. On the fixture
and on the demo warehouse every line of every statement is recomputed in Python
from the GL lines (``statements_recompute``) and compared to the cent.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import statements_fixture as fx
from raw_rates import raw_period_rates
from statements_recompute import Recompute, as_cents

STATEMENTS = {
    "balance_sheet": ("finance.balance_sheet", ["closing_balance", "prior_year_end_balance"]),
    "income_statement": (
        "finance.income_statement",
        ["period_amount", "ytd_amount", "prior_year_period_amount"],
    ),
    "cash_flow": ("finance.cash_flow_statement", ["period_amount"]),
}
#: The form's line items in their order (会企01表 / 会企02表, 财会〔2019〕6号), as printed.
BS_FORM = [
    "货币资金",
    "交易性金融资产",
    "衍生金融资产",
    "应收票据",
    "应收账款",
    "应收款项融资",
    "预付款项",
    "其他应收款",
    "存货",
    "合同资产",
    "持有待售资产",
    "一年内到期的非流动资产",
    "其他流动资产",
    "流动资产合计",
    "债权投资",
    "其他债权投资",
    "长期应收款",
    "长期股权投资",
    "其他权益工具投资",
    "其他非流动金融资产",
    "投资性房地产",
    "固定资产",
    "在建工程",
    "生产性生物资产",
    "油气资产",
    "使用权资产",
    "无形资产",
    "开发支出",
    "商誉",
    "长期待摊费用",
    "递延所得税资产",
    "其他非流动资产",
    "非流动资产合计",
    "资产总计",
    "短期借款",
    "交易性金融负债",
    "衍生金融负债",
    "应付票据",
    "应付账款",
    "预收款项",
    "合同负债",
    "应付职工薪酬",
    "应交税费",
    "其他应付款",
    "持有待售负债",
    "一年内到期的非流动负债",
    "其他流动负债",
    "流动负债合计",
    "长期借款",
    "应付债券",
    "其中：优先股",
    "永续债",
    "租赁负债",
    "长期应付款",
    "预计负债",
    "递延收益",
    "递延所得税负债",
    "其他非流动负债",
    "非流动负债合计",
    "负债合计",
    "实收资本（或股本）",
    "其他权益工具",
    "其中：优先股",
    "永续债",
    "资本公积",
    "减：库存股",
    "其他综合收益",
    "专项储备",
    "盈余公积",
    "未分配利润",
    "所有者权益（或股东权益）合计",
    "负债和所有者权益（或股东权益）总计",
]
IS_FORM_START = [
    "一、营业收入",
    "减：营业成本",
    "税金及附加",
    "销售费用",
    "管理费用",
    "研发费用",
    "财务费用",
    "其中：利息费用",
    "利息收入",
    "加：其他收益",
]
#: Orgs, periods and statements whose every line the hand computation covers (unlisted = 0).
COMPLETE = [
    ("ORG_A", "2025-01", "balance_sheet"),
    ("ORG_A", "2025-01", "cash_flow"),
    ("GROUP", "2025-01", "balance_sheet"),
]


def statement(con, name: str, org: str, period: str) -> pd.DataFrame:
    table, _ = STATEMENTS[name]
    return con.execute(
        f"select * from {table} where org_code = ? and period = ? order by display_order", [org, period]
    ).df()


def mismatches(con) -> list[tuple]:
    """Every (statement, org, period, line, column) whose figure differs from the recomputation."""
    recomputed = Recompute(con).statements()
    out = []
    for name, (table, cols) in STATEMENTS.items():
        got = con.execute(f"select org_code, period, line_code, {', '.join(cols)} from {table}").df()
        m = got.merge(
            recomputed[name],
            on=["org_code", "period", "line_code"],
            how="outer",
            suffixes=("", "_py"),
            indicator=True,
        )
        out += [
            (name, r.org_code, r.period, r.line_code, "row") for r in m[m["_merge"] != "both"].itertuples()
        ]
        for col in cols:
            for r, a, b in zip(m.itertuples(), m[col], m[f"{col}_py"], strict=True):
                a, b = as_cents(a), (None if b is None or pd.isna(b) else int(b))
                if a != b:
                    out.append((name, r.org_code, r.period, r.line_code, col, a, b))
    return out


def unbalanced(con) -> list[tuple]:
    """(org, period, column) whose 资产总计 differs from 负债和所有者权益总计, at either date."""
    rows = con.execute("""
        select org_code, period, line_code, closing_balance, prior_year_end_balance from finance.balance_sheet
        where line_code in ('TOTAL_ASSETS', 'TOTAL_LIABILITIES_AND_EQUITY')""").fetchall()
    totals: dict[tuple, dict[str, tuple]] = {}
    for org, period, line, closing, prior in rows:
        totals.setdefault((org, period), {})[line] = (closing, prior)
    bad = []
    for (org, period), t in sorted(totals.items()):
        for i, col in enumerate(("closing_balance", "prior_year_end_balance")):
            if t["TOTAL_ASSETS"][i] != t["TOTAL_LIABILITIES_AND_EQUITY"][i]:
                bad.append((org, period, col))
    return bad


def untied(con) -> list[tuple]:
    """(org, period) where 未分配利润's change since the previous year end is not the year's 净利润
    (no profit distributions in these books), or 期末现金 is not 货币资金."""
    df = con.execute("""
        select b.org_code, b.period,
               b.closing_balance - coalesce(b.prior_year_end_balance, 0) as change,
               i.ytd_amount as net_profit,
               m.closing_balance as funds, c.period_amount as closing_cash
        from finance.balance_sheet b
        join finance.income_statement i using (org_code, period)
        join finance.balance_sheet m using (org_code, period)
        join finance.cash_flow_statement c using (org_code, period)
        where b.line_code = 'UNDISTRIBUTED_PROFIT' and i.line_code = 'NET_PROFIT'
          and m.line_code = 'MONETARY_FUNDS' and c.line_code = 'CF_CLOSING_CASH'""").df()
    bad = df[(df["change"] != df["net_profit"]) | (df["funds"] != df["closing_cash"])]
    return list(zip(bad["org_code"], bad["period"], strict=True))


@pytest.fixture(scope="session")
def fixture_build(statements_fixture_build: fx.FixtureBuild) -> fx.FixtureBuild:
    return statements_fixture_build


# --- the hand-computed fixture ------------------------------------------------------------------


def test_fixture_builds_and_every_dbt_test_passes(fixture_build: fx.FixtureBuild):
    tests = {n for n in fixture_build.results if n.startswith(("assert_", "warn_"))}
    assert {
        "assert_balance_sheet_balances",
        "assert_statements_tie",
        "assert_fs_accounts_mapped",
        "assert_fs_statement_rules_consistent",
        "warn_intercompany_differences",
    } <= tests
    assert not fixture_build.failed()


def test_figures_are_the_hand_computed_ones(fixture_build: fx.FixtureBuild):
    con = fixture_build.connect()
    try:
        for (org, period, name, line), cols in fx.EXPECTED.items():
            row = statement(con, name, org, period).set_index("line_code").loc[line]
            for col, want in cols.items():
                got = row[col]
                assert pd.isna(got) if want is None else Decimal(str(got)) == want, (
                    org,
                    period,
                    line,
                    col,
                    got,
                )
        for org, period, name in COMPLETE:
            listed = {line for (o, p, s, line) in fx.EXPECTED if (o, p, s) == (org, period, name)}
            df = statement(con, name, org, period)
            col = STATEMENTS[name][1][0]
            rest = df[~df["line_code"].isin(listed) & df["kind"].isin(["item", "memo"])]
            assert (rest[col] == 0).all(), rest[rest[col] != 0][["line_code", col]]
    finally:
        con.close()


def test_statements_have_every_line_of_the_form_in_order(fixture_build: fx.FixtureBuild):
    con = fixture_build.connect()
    try:
        bs = statement(con, "balance_sheet", "ORG_A", "2025-01")
        items = bs[bs["kind"] != "header"]
        assert items["line_name"].tolist() == BS_FORM
        assert items["line_no"].tolist() == list(range(1, len(BS_FORM) + 1))  # 行次
        assert bs.loc[bs["kind"] == "header", "line_name"].tolist()[0] == "流动资产："
        pl = statement(con, "income_statement", "ORG_A", "2025-01")
        assert pl["line_name"].tolist()[: len(IS_FORM_START)] == IS_FORM_START
        order = pl["line_code"].tolist()
        assert (
            order.index("OPERATING_PROFIT")
            < order.index("TOTAL_PROFIT")
            < order.index("NET_PROFIT")
            < order.index("TOTAL_COMPREHENSIVE_INCOME")
        )
        cf = statement(con, "cash_flow", "ORG_A", "2025-01")
        assert cf["line_name"].iloc[0] == "一、经营活动产生的现金流量："
        assert cf["line_code"].iloc[-1] == "CF_CLOSING_CASH"
        # every org and the group get all lines in every period
        n = con.execute("""select count(distinct line_code), count(*) / count(distinct org_code || period)
                           from finance.balance_sheet""").fetchone()
        assert n[0] == n[1] == len(bs)
    finally:
        con.close()


def test_every_line_recomputed_from_the_gl_lines(fixture_build: fx.FixtureBuild):
    con = fixture_build.connect()
    try:
        assert mismatches(con) == []
        assert unbalanced(con) == []
        assert untied(con) == []
    finally:
        con.close()


def test_intercompany_balances_eliminate_to_zero_and_the_group_balances(fixture_build: fx.FixtureBuild):
    con = fixture_build.connect()
    try:
        e = con.execute(
            "select entry_kind, org_code, line_code, balance from finance.consolidation_eliminations"
        ).df()
        bal = e[e["entry_kind"] == "balance"]
        assert set(zip(bal["org_code"], bal["line_code"], strict=True)) == {
            ("ORG_A", "ACCOUNTS_RECEIVABLE"),
            ("ORG_B", "ACCOUNTS_PAYABLE"),
        }
        assert bal["balance"].sum() == 0 and (e["entry_kind"] != "balance_difference").all()
        assert e["balance"].sum() == 0
        g = statement(con, "balance_sheet", "GROUP", "2025-01").set_index("line_code")["closing_balance"]
        assert g["TOTAL_ASSETS"] == g["TOTAL_LIABILITIES_AND_EQUITY"] == Decimal("2356.00")
        # the group's profit is the orgs' translated profits: eliminating intercompany sales changes no profit
        by_org = dict(
            con.execute("""select org_code, period_amount from finance.income_statement
                                     where period = '2025-01' and line_code = 'NET_PROFIT'""").fetchall()
        )
        assert by_org["GROUP"] == by_org["ORG_A"] + by_org["ORG_B"] + Decimal(
            "-72.00"
        )  # ORG_U: -10 USD × 7.2
    finally:
        con.close()


# --- tampered -------------------------------------------------------------------------------------


def test_tampered_fixture_fails_the_checks(tampered_build: fx.FixtureBuild):
    failed = tampered_build.failed()
    assert {
        "assert_balance_sheet_balances",
        "assert_fs_accounts_mapped",
        "warn_intercompany_differences",
    } <= failed
    con = tampered_build.connect()
    try:
        assert ("ORG_A", "2025-01", "closing_balance") in unbalanced(con)
        assert ("ORG_B", "2025-01", "closing_balance") in unbalanced(con)  # the unmapped 1999 is on no line
        diff = con.execute("""select sum(balance) from finance.consolidation_eliminations
                              where entry_kind = 'balance'""").fetchone()[0]
        assert diff == Decimal("7.00")  # A's 113 receivable against B's 120 payable
    finally:
        con.close()


@pytest.mark.parametrize(
    ("table", "line", "column", "change", "check"),
    [
        (
            "income_statement",
            "COST_OF_SALES",
            "period_amount",
            "-period_amount",
            mismatches,
        ),  # expense sign flipped
        ("income_statement", "NET_PROFIT", "ytd_amount", "ytd_amount + 1", untied),
        ("balance_sheet", "UNDISTRIBUTED_PROFIT", "closing_balance", "closing_balance + 1", untied),
        ("balance_sheet", "TOTAL_ASSETS", "closing_balance", "closing_balance + 1", unbalanced),
        (
            "balance_sheet",
            "ACCOUNTS_RECEIVABLE",
            "prior_year_end_balance",
            "prior_year_end_balance - 1",
            mismatches,
        ),
        ("cash_flow_statement", "CF_OP_SALES", "period_amount", "period_amount + 0.01", mismatches),
    ],
)
def test_checks_see_a_tampered_figure(
    fixture_build: fx.FixtureBuild, tmp_path: Path, table, line, column, change, check
):
    copy = tmp_path / "tampered.duckdb"
    shutil.copy(fixture_build.path, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            f"update finance.{table} set {column} = {change} where org_code = 'ORG_A' "
            f"and period = '2025-01' and line_code = ?",
            [line],
        )
        assert check(con), f"{check.__name__} did not notice {table}.{line} changed"
    finally:
        con.close()


# --- the demo warehouse ---------------------------------------------------------------------------


def test_demo_statements_recomputed_from_the_gl_lines(built_warehouse):
    con = built_warehouse.connect()
    try:
        assert mismatches(con) == []
        assert unbalanced(con) == []
        assert untied(con) == []
        orgs = {r[0] for r in con.execute("select distinct org_code from finance.balance_sheet").fetchall()}
        assert {"ORG01", "ORG02", "ORG03", "GROUP"} <= orgs
        for is_group in (False, True):  # what is not classified is listed: the orgs', and the group's
            unclassified = con.execute(
                "select count(*) from finance.cash_flow_unclassified where (org_code = 'GROUP') = ?",
                [is_group],
            ).fetchone()[0]
            listed = con.execute(
                """select coalesce(sum(abs(period_amount)), 0) from finance.cash_flow_statement
                   where line_code = 'CF_UNCLASSIFIED' and (org_code = 'GROUP') = ?""",
                [is_group],
            ).fetchone()[0]
            assert (unclassified == 0) == (listed == 0), is_group
    finally:
        con.close()


def test_demo_profit_lines_are_the_pl_accounts_net_credit(built_warehouse):
    """A second route that reads no statement rule: under the 企业会计准则 chart every P&L
    account is a 6xxx code, so an org's month 营业利润 is the net credit of its 6xxx lines
    except 营业外收入/支出 (6301, 6711), 所得税费用 (6801) and 以前年度损益调整 (6901), and its
    净利润 the net credit of every 6xxx line. P&L closing vouchers (6xxx against 4103 only)
    are left out. Catches a flipped sign or a dropped line in the income statement's
    formulas (e.g. 销售费用 added instead of subtracted)."""
    con = built_warehouse.connect()
    try:
        want = con.execute("""
            with closing as (
                select voucher_id from core.fct_gl_lines group by voucher_id
                having bool_and(account_code like '6%' or account_code like '4103%')
                   and bool_or(account_code like '4103%')
            )
            select org_code, period,
                   sum(case when not regexp_matches(account_code, '^(6301|6711|6801|6901)')
                            then credit - debit else 0 end) as operating_profit,
                   sum(credit - debit) as net_profit
            from core.fct_gl_lines
            where account_code like '6%' and voucher_id not in (select voucher_id from closing)
            group by all""").df()
        got = con.execute("""
            select org_code, period,
                   max(case when line_code = 'OPERATING_PROFIT' then period_amount end) as operating_profit,
                   max(case when line_code = 'NET_PROFIT' then period_amount end) as net_profit
            from finance.income_statement where org_code <> 'GROUP' group by all""").df()
        both = want.merge(got, on=["org_code", "period"], suffixes=("_gl", "_fs"), validate="1:1")
        assert len(both) == len(want) > 10
        for line in ("operating_profit", "net_profit"):
            off = both[both[f"{line}_gl"] != both[f"{line}_fs"]]
            assert off.empty, off
        # the demo books hold 销售费用, so a formula that adds them cannot pass unseen
        selling = con.execute(
            "select count(*) from core.fct_gl_lines where account_code like '6601%'"
        ).fetchone()[0]
        assert selling > 0
    finally:
        con.close()


def test_demo_period_rates_are_the_raw_rates_last_day_and_mean(built_warehouse):
    """The rates the group translates with, recomputed from the raw GL rate table in Python:
    the closing rate is the rate of the period's last day that has one, the average the mean
    of its days' rates (to 6 places, half away from zero)."""
    with built_warehouse.raw_connect() as raw:
        rates = raw_period_rates(raw)
    want = {key: (closing, average) for key, (closing, average, _) in rates.items()}
    con = built_warehouse.connect()
    try:
        got = {
            (p, f, t): (Decimal(str(c)), Decimal(str(a)))
            for p, f, t, c, a in con.execute(
                "select period, from_currency, to_currency, closing_rate, average_rate "
                "from intermediate.int_fx_period_rates"
            ).fetchall()
        }
    finally:
        con.close()
    assert len(want) > 10 and any(days > 1 for _, _, days in rates.values())
    assert got == want


def test_the_cli_prints_the_three_statements(fixture_build: fx.FixtureBuild):
    from typer.testing import CliRunner

    from ledgerbridge.cli import app

    res = CliRunner().invoke(
        app, ["statements", "--warehouse", str(fixture_build.path), "--org", "ORG_A", "--period", "2025-01"]
    )
    assert res.exit_code == 0, res.output
    assert "资产负债表 · ORG_A · 2025-01" in res.output and "现金流量表" in res.output
    assert "资产总计" in res.output and "1,162.00" in res.output and "(45.00)" in res.output  # 净利润 −45
    res = CliRunner().invoke(
        app, ["statements", "--warehouse", str(fixture_build.path), "--period", "1999-01"]
    )
    assert res.exit_code != 0 and "no statements for GROUP in 1999-01" in res.output
