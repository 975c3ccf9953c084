"""AppTest coverage of every page: the figures each page shows are recomputed
here with direct DuckDB queries against the same warehouse file.

Runs on a small synthetic warehouse with the planned model names (always),
and on the demo warehouse when one is available (``LEDGERBRIDGE_APP_TEST_WAREHOUSE``
or a ``demo_warehouse`` fixture from the warehouse tests); tests of models
the demo warehouse does not have yet skip with the model's name.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fixtures_access import login_session
from streamlit.testing.v1 import AppTest
from test_app_support import build_synthetic_warehouse, q

from app.lib import fmt
from app.lib import warehouse as wh
from app.lib.i18n import code_label, status_label

APP = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


@pytest.fixture(scope="session")
def synthetic_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


@pytest.fixture(scope="session", params=["synthetic", "demo"])
def warehouse(request: pytest.FixtureRequest, synthetic_warehouse: Path) -> Path:
    if request.param == "synthetic":
        return synthetic_warehouse
    env = os.environ.get("LEDGERBRIDGE_APP_TEST_WAREHOUSE")
    if env and Path(env).exists():
        return Path(env)
    try:
        demo = request.getfixturevalue("demo_warehouse")
    except pytest.FixtureLookupError:
        pytest.skip(
            "no demo warehouse (set LEDGERBRIDGE_APP_TEST_WAREHOUSE or provide a demo_warehouse fixture)"
        )
    return Path(demo)


@pytest.fixture(autouse=True)
def admin(make_user) -> str:
    """Every page test signs in as an admin granted every org (roles and scoping: test_app_access)."""
    return make_user("admin", "admin")


@pytest.fixture
def env(warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("LEDGERBRIDGE_RUN_LOG", str(tmp_path / "no_run_log.sqlite"))
    return warehouse


def rel(path: Path, model: str) -> str:
    rels, _ = wh._load_catalog(str(path))
    found = wh.resolve(rels, model)
    if found is None:
        pytest.skip(f"model {model} not in this warehouse yet")
    return found


def open_page(page: str | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    login_session(at, "admin")
    if lang:
        at.session_state["lang"] = lang
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric_value(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label or m.label.startswith(label):
            return m.value
    raise AssertionError(f"no metric {label!r} in {[m.label for m in at.metric]}")


def latest_period(path: Path) -> str:
    return q(path, f"select max(period) as p from {rel(path, 'trial_balance')}")["p"][0]


def latest_closed_period(path: Path) -> str:
    """The overview's default: the latest period every org has closed (else the latest)."""
    rels, _ = wh._load_catalog(str(path))
    dp = wh.resolve(rels, "dim_period")
    if dp is None:
        return latest_period(path)
    closed = q(
        path, f"select max(period) as p from (select period from {dp} group by 1 having bool_and(is_closed))"
    )
    return closed["p"][0] if isinstance(closed["p"][0], str) else latest_period(path)


def frame_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table on the page with all of ``columns``."""
    for d in at.dataframe:
        if set(columns) <= set(map(str, d.value.columns)):
            return d.value
    raise AssertionError(f"no table with {columns}: {[list(d.value.columns)[:6] for d in at.dataframe]}")


def documents(path: Path, where: str, *params) -> int:
    """Reconciliation items counted as documents (a document's legs count once)."""
    sql = (
        f"select count(distinct coalesce(business_document_no, gl_voucher_no)) as n "
        f"from {rel(path, 'recon_items')} where {where}"
    )
    return int(q(path, sql, *params)["n"][0])


def shift(period: str, months: int) -> str:
    y, m = map(int, period.split("-"))
    i = y * 12 + m - 1 + months
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


# --- overview -------------------------------------------------------------------------


def _kpi_expected(
    path: Path, orgs: list[str] | None, p0: str, p1: str, col: str, balance: bool = False
) -> float:
    k = rel(path, "kpi_monthly")
    codes = q(path, f"select distinct org_code from {k}")["org_code"].tolist()
    if orgs is None:  # all orgs: the consolidated GROUP rows when the mart has them
        orgs = ["GROUP"] if "GROUP" in codes else [c for c in codes if c != "GROUP"]
    if balance:
        sql = f"select coalesce(sum({col}), 0) as v from {k} where list_contains(?, org_code) and period = ?"
        return float(q(path, sql, orgs, p1)["v"][0])
    sql = (
        f"select coalesce(sum({col}), 0) as v from {k} "
        "where list_contains(?, org_code) and period between ? and ?"
    )
    return float(q(path, sql, orgs, p0, p1)["v"][0])


def test_overview_kpis_match_the_warehouse(env: Path):
    at = open_page()
    assert at.title[0].value == "经营概览"
    # the default range is the latest closed month: its comparisons (the month before) exist
    p0, p1 = at.selectbox(key="ov_p0").value, at.selectbox(key="ov_p1").value
    assert p0 == p1 == latest_closed_period(env)
    periods = q(env, f"select distinct period from {rel(env, 'trial_balance')} order by 1")["period"].tolist()
    assert shift(p1, -1) in periods
    cols = set(wh._load_catalog(str(env))[1].query("table_name == 'kpi_monthly'")["column_name"])
    rev = "revenue"
    ar = "accounts_receivable" if "accounts_receivable" in cols else "ar"
    assert metric_value(at, "营业收入") == fmt.money(_kpi_expected(env, None, p0, p1, rev))
    assert metric_value(at, "应收账款") == fmt.money(_kpi_expected(env, None, p0, p1, ar, balance=True))
    # the comparison table carries the previous range and the same range last year
    table = at.dataframe[0].value
    n = len([p for p in periods if p0 <= p <= p1])
    prev = _kpi_expected(env, None, shift(p0, -n), shift(p1, -n), rev)
    # a range with no data at all shows "—"
    assert table.iloc[0, 2] == pytest.approx(prev) or (prev == 0 and table.iloc[0, 2] in ("—", None))
    # open reconciliation exceptions in the range, counted as documents per org and period
    r = rel(env, "recon_items")
    n_open = q(
        env,
        f"""select coalesce(sum(n), 0) as n from (
              select org_code, period, count(distinct coalesce(business_document_no, gl_voucher_no)) as n
              from {r} where recon_status <> 'matched' and period between ? and ? group by 1, 2)""",
        p0,
        p1,
    )["n"][0]
    assert metric_value(at, "未清对账差异") == f"{int(n_open):,}"
    assert at.get("plotly_chart"), "trend charts are drawn"


def test_overview_org_filter(env: Path):
    at = open_page()
    org = q(env, f"select min(org_code) as o from {rel(env, 'dim_org')}")["o"][0]
    at.multiselect(key="ov_orgs").set_value([org]).run()
    assert not at.exception
    p1 = at.selectbox(key="ov_p1").value
    p0 = at.selectbox(key="ov_p0").value
    assert metric_value(at, "营业收入") == fmt.money(_kpi_expected(env, [org], p0, p1, "revenue"))
    # a narrower period range
    at.selectbox(key="ov_p0").set_value(p1).run()
    assert metric_value(at, "营业收入") == fmt.money(_kpi_expected(env, [org], p1, p1, "revenue"))


def test_language_switch_to_english(env: Path):
    at = open_page()
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Management overview"
    assert any(m.label == "Revenue" for m in at.metric)


@pytest.mark.parametrize("page", [None, "reports", "reconciliation", "vouchers", "monitor"])
def test_table_headers_are_chinese_and_keep_the_column_name_as_tooltip(env: Path, page: str | None):
    import json
    import re

    at = open_page(page)
    assert len(at.dataframe) > 0
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        for col in map(str, frame.value.columns):
            if re.search(r"[\u4e00-\u9fff]", col) or not re.search(r"[a-z]", col):
                continue  # a header the page already writes in Chinese, or a period range
            assert re.search(r"[\u4e00-\u9fff]", config.get(col, {}).get("label", "")), (page, col)
            assert config[col]["help"] == col
    # the English UI shows readable headers, never a snake_case name
    at.radio(key="lang").set_value("en").run()
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        for col in map(str, frame.value.columns):
            shown = config.get(col, {}).get("label", col)
            assert not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", shown), (page, col, shown)


# --- financial reports and drill-down -------------------------------------------------------


def test_reports_trial_balance_and_drill_down(env: Path):
    at = open_page("reports")
    assert at.title[0].value == "财务报表"
    org = at.selectbox(key="rp_org").value
    period = at.selectbox(key="rp_period").value
    tb = frame_with(at, "account_code", "period_debit", "closing_balance")
    expected = q(
        env,
        f"select account_code, period_debit, period_credit, closing_balance from "
        f"{rel(env, 'trial_balance')} where org_code = ? and period = ? order by account_code",
        org,
        period,
    )
    assert len(tb) == len(expected)
    assert tb["closing_balance"].astype(float).sum() == pytest.approx(
        expected["closing_balance"].astype(float).sum()
    )
    # drill: the account with the largest debits → its GL lines
    acct = str(expected.sort_values("period_debit", ascending=False).iloc[0]["account_code"])
    at.selectbox(key="rp_drill_account").set_value(acct).run()
    assert not at.exception
    lines = frame_with(at, "voucher_no", "summary", "debit", "source_document_no")
    gl = q(
        env,
        f"select count(*) as n, sum(debit) as d from {rel(env, 'fct_gl_lines')} "
        "where org_code = ? and period = ? and starts_with(account_code, ?)",
        org,
        period,
        acct,
    )
    assert len(lines) == min(int(gl["n"][0]), 1000)
    assert lines["debit"].astype(float).sum() == pytest.approx(float(gl["d"][0]))
    # drill: a document → its chain (business events and every voucher citing it)
    doc = sorted(d for d in lines["source_document_no"].dropna().astype(str).unique() if d)[0]
    at.selectbox(key="rp_gl_doc").set_value(doc).run()
    assert not at.exception
    events = at.dataframe[-2].value
    vouchers = at.dataframe[-1].value
    assert doc in set(events.get("document_no", pd.Series(dtype=str))) | set(vouchers["source_document_no"])
    n_gl = q(env, f"select count(*) as n from {rel(env, 'fct_gl_lines')} where source_document_no = ?", doc)[
        "n"
    ][0]
    assert (vouchers["source_document_no"] == doc).sum() == n_gl
    if len(events) and "event_type" in events.columns:
        assert len(set(events["document_no"])) >= 1


def test_reports_filter_changes_period(env: Path):
    at = open_page("reports")
    first = q(env, f"select min(period) as p from {rel(env, 'trial_balance')}")["p"][0]
    at.selectbox(key="rp_period").set_value(first).run()
    org = at.selectbox(key="rp_org").value
    n = q(
        env,
        f"select count(*) as n from {rel(env, 'trial_balance')} where org_code = ? and period = ?",
        org,
        first,
    )["n"][0]
    assert len(frame_with(at, "account_code", "period_debit", "closing_balance")) == n


# --- reconciliation ---------------------------------------------------------------------


def test_recon_workbench_counts_and_exceptions(env: Path):
    r = rel(env, "recon_items")
    at = open_page("reconciliation")
    assert at.title[0].value == "业财对账工作台"
    p0, p1 = at.selectbox(key="rc_p0").value, at.selectbox(key="rc_p1").value
    statuses = q(env, f"select distinct recon_status from {r} where period between ? and ?", p0, p1)
    for status in statuses["recon_status"]:
        # tiles count documents, not their account legs
        n = documents(env, "recon_status = ? and period between ? and ?", status, p0, p1)
        assert metric_value(at, status_label(status, "zh")) == f"{n:,}"
    # the exception list, filtered to one status (offered in the UI language): one row per document
    assert "未入账" in at.multiselect(key="rc_status").options
    at.multiselect(key="rc_status").set_value(["missing_in_gl"]).run()
    exc = frame_with(at, "business_document_no", "age_days")
    per_doc = q(
        env,
        f"""select count(*) as n from (
              select distinct org_code, period, coalesce(business_document_no, gl_voucher_no)
              from {r} where recon_status = 'missing_in_gl' and period between ? and ?)""",
        p0,
        p1,
    )["n"][0]
    assert len(exc) == min(int(per_doc), 1000)
    assert set(exc["recon_status"]) <= {"未入账"}
    # legs on demand: one row per account leg
    at.toggle(key="rc_legs").set_value(True).run()
    legs = q(
        env,
        f"select count(*) as n from {r} where recon_status = 'missing_in_gl' and period between ? and ?",
        p0,
        p1,
    )["n"][0]
    assert len(frame_with(at, "business_document_no", "age_days")) == min(int(legs), 1000)
    assert {"business_amount_base", "gl_amount_base", "reason_zh"} <= set(exc.columns)
    # the bridge waterfall and the open-exception trend are drawn
    assert len(at.get("plotly_chart")) >= 3


def test_recon_search(env: Path):
    r = rel(env, "recon_items")
    doc = q(
        env,
        f"select business_document_no as d from {r} where recon_status <> 'matched' "
        "and business_document_no is not null order by period desc limit 1",
    )
    if doc.empty:
        pytest.skip("no exception with a business document")
    at = open_page("reconciliation")
    at.selectbox(key="rc_p0").set_value(q(env, f"select min(period) as p from {r}")["p"][0]).run()
    at.text_input(key="rc_search").input(doc["d"][0]).run()
    exc = next(d.value for d in at.dataframe if "age_days" in d.value.columns)
    assert len(exc) >= 1 and all(doc["d"][0] in str(x) for x in exc["business_document_no"])


# --- vouchers ----------------------------------------------------------------------------


def test_voucher_proposals_page(env: Path):
    vp = rel(env, "voucher_proposals")
    at = open_page("vouchers")
    assert at.title[0].value == "凭证建议"
    first = q(env, f"select min(period) as p from {rel(env, 'trial_balance')}")["p"][0]
    at.selectbox(key="vp_p0").set_value(first).run()
    p0, p1 = at.selectbox(key="vp_p0").value, at.selectbox(key="vp_p1").value
    n = q(env, f"select count(*) as n from {vp} where target_period between ? and ?", p0, p1)["n"][0]
    proposals = next(
        d.value for d in at.dataframe if "proposal_id" in d.value.columns and "total_debit" in d.value.columns
    )
    assert len(proposals) == min(int(n), 1000)
    pid = at.selectbox(key="vp_proposal").value
    head = q(env, f"select total_debit, total_credit from {vp} where proposal_id = ?", pid)
    voucher = next(d.value for d in at.dataframe if "借方" in d.value.columns)
    total = voucher.iloc[-1]
    assert total["摘要"] == "合计"
    assert total["借方"] == pytest.approx(float(head["total_debit"][0]))
    assert total["贷方"] == pytest.approx(float(head["total_credit"][0]))
    assert any("借贷平衡" in m.value for m in at.markdown)
    # filter by event type
    etype = q(env, f"select min(event_type) as e from {vp}")["e"][0]
    at.multiselect(key="vp_event_type").set_value([etype]).run()
    proposals = next(
        d.value for d in at.dataframe if "proposal_id" in d.value.columns and "total_debit" in d.value.columns
    )
    assert set(proposals["event_type"]) == {code_label("event_type", etype, "zh")}
    # events without a voucher
    un = q(env, f"select count(*) as n from {rel(env, 'voucher_unposted')}")["n"][0]
    unposted = next(d.value for d in at.dataframe if "unposted_reason" in d.value.columns)
    assert len(unposted) == min(int(un), 1000)


# --- monitor ------------------------------------------------------------------------------


def test_monitor_page(env: Path):
    lh = rel(env, "mon_load_history")
    at = open_page("monitor")
    assert at.title[0].value == "集成监控"
    sources = next(d.value for d in at.dataframe if "freshness" in d.value.columns)
    expected = q(env, f"select count(distinct source) as n from {lh}")["n"][0]
    assert len(sources) == expected
    assert sources["freshness"].str.contains("🟢|🟠|🔴").all()
    errors = q(
        env, f"select error from {lh} where error is not null and error <> '' order by started_at desc"
    )
    if len(errors):
        assert any(errors["error"][0] == c.value for c in at.code)
    q_rows = q(env, f"select count(*) as n from {rel(env, 'mon_quarantine')}")["n"][0]
    counts = next(d.value for d in at.dataframe if "row_count" in d.value.columns)
    assert counts["row_count"].sum() == q_rows
    assert any("尚无运行记录" in i.value for i in at.info)


def test_monitor_reads_the_run_log(env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import sqlite3

    log = tmp_path / "run_log.sqlite"
    con = sqlite3.connect(log)
    con.execute("create table steps (run_id text, step text, status text, seconds real, error text)")
    con.execute(
        "insert into steps values ('r9', 'dbt build', 'failed', 3.2, 'dbt test bridge_closes failed')"
    )
    con.commit()
    con.close()
    monkeypatch.setenv("LEDGERBRIDGE_RUN_LOG", str(log))
    at = open_page("monitor")
    assert any(c.value == "dbt test bridge_closes failed" for c in at.code)
    assert any("step" in d.value.columns for d in at.dataframe)


# --- SQL console ------------------------------------------------------------------------------


def test_sql_console_runs_a_query(env: Path, console_roles: Path):
    at = open_page("sql_console")
    assert at.title[0].value == "分析师 SQL"
    t = rel(env, "trial_balance")
    at.text_area(key="sql_text").input(f"select org_code, count(*) as n from {t} group by 1 order by 1").run()
    at.button(key="sql_run").click().run()
    assert not at.exception
    res = next(d.value for d in at.dataframe if list(d.value.columns) == ["org_code", "n"])
    expected = q(env, f"select org_code, count(*) as n from {t} group by 1 order by 1")
    assert res["n"].tolist() == expected["n"].tolist()
    assert at.get("plotly_chart"), "a quick chart is drawn"
    # the model browser shows the columns of the chosen model
    assert any("column_name" in d.value.columns for d in at.dataframe)


def test_sql_console_refusal_is_shown(env: Path):
    at = open_page("sql_console")
    at.text_area(key="sql_text").input("select * from read_csv('/etc/passwd')").run()
    at.button(key="sql_run").click().run()
    assert not at.exception
    assert any("no file, setting or catalog access" in e.value for e in at.error)


# --- degraded states -------------------------------------------------------------------------

PAGES = ["overview", "reports", "reconciliation", "vouchers", "monitor", "sql_console"]


@pytest.mark.parametrize("page", PAGES)
def test_missing_warehouse_shows_the_command(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(tmp_path / "nope.duckdb"))
    at = open_page(None if page == "overview" else page)
    assert any("make demo" in w.value and "ledgerbridge run" in w.value for w in at.warning)


def test_empty_warehouse_shows_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(path))
    at = open_page("reports")
    assert any("make demo" in w.value for w in at.warning)


@pytest.mark.parametrize("page", PAGES)
def test_missing_models_are_info_not_errors(
    page: str, synthetic_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A warehouse with only part of the models (as while it is being built)."""
    path = tmp_path / "partial.duckdb"
    shutil.copy(synthetic_warehouse, path)
    con = duckdb.connect(str(path))
    for t in (
        "kpi_monthly",
        "recon_items",
        "recon_account_bridge",
        "voucher_proposals",
        "mon_load_history",
        "sales_margin",
    ):
        con.execute(f"drop table {t}")
    con.close()
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(path))
    at = open_page(None if page == "overview" else page)
    assert not at.error
    if page in ("overview", "reconciliation", "vouchers", "monitor"):
        assert any("尚未在数据仓库中生成" in i.value for i in at.info)


def test_a_new_publish_is_picked_up_without_restart(
    synthetic_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    served = tmp_path / "served.duckdb"
    shutil.copy(synthetic_warehouse, served)
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(served))
    at = open_page("reports")
    tb_cols = ("account_code", "period_debit", "closing_balance")
    before = frame_with(at, *tb_cols)["closing_balance"].astype(float).sum()
    # publish a changed warehouse the way a run does: new file, then os.replace
    new = tmp_path / "new.duckdb"
    shutil.copy(synthetic_warehouse, new)
    con = duckdb.connect(str(new))
    con.execute("update trial_balance set closing_balance = closing_balance + 1")
    con.close()
    os.replace(new, served)
    at.run()
    after = frame_with(at, *tb_cols)["closing_balance"].astype(float).sum()
    assert after == pytest.approx(before + len(frame_with(at, *tb_cols)))
