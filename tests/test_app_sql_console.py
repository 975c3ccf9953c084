"""The analyst SQL console end to end on the demo warehouse: an org-limited analyst
never receives another org's row, whatever the SQL; the limits hold for every query
(also a single huge scalar expression); console and page queries run side by side;
every query is audited. Each figure is checked against a direct query of the warehouse."""

from __future__ import annotations

import os
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from app.lib import access, console, sql_guard
from app.lib import queries as Q
from app.lib import warehouse as wh
from ledgerbridge.ops import audit

ORG = "ORG01"
ANALYST = access.principal("analyst.org01", ["analyst"], [ORG])
TWO = access.principal("analyst.two", ["analyst"], ["ORG01", "ORG03"])
EVERY = access.principal("analyst.all", ["analyst"], ["*"])
NONE = access.principal("analyst.none", ["analyst"], [])
MANAGER = access.principal("boss", ["management"], ["*"])


@pytest.fixture(scope="module")
def path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = os.environ.get("LEDGERBRIDGE_APP_TEST_WAREHOUSE")
    target = Path(env) if env and Path(env).exists() else Path(request.getfixturevalue("demo_warehouse"))
    with pytest.MonkeyPatch.context() as mp:  # one audit database for the module
        mp.setenv("LEDGERBRIDGE_OPS_URL", f"sqlite:///{tmp_path_factory.mktemp('ops') / 'ops.sqlite'}")
        mp.setenv("LEDGERBRIDGE_WAREHOUSE", str(target))
        yield target


def direct(path: Path, sql: str, *params) -> list[tuple]:
    """The test's own read of the warehouse (a plain connection, no scoping)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def run(who: access.Principal, sql: str, path: Path, **kw) -> console.ConsoleResult:
    with access.use(who):
        return console.run(sql, path=path, **kw)


def refused(who: access.Principal, sql: str, path: Path, **kw) -> str:
    with pytest.raises(console.ConsoleRefused) as info, access.use(who):
        console.run(sql, path=path, **kw)
    return str(info.value)


# --- an org-limited analyst gets only its org ---------------------------------------------

#: accepted statements that try to reach other orgs; each result's org codes must be ORG01 only
ORG_COLUMN_QUERIES = [
    "select distinct org_code from fct_gl_lines",
    'select distinct "org_code" from "CORE"."FCT_GL_LINES"',
    "select distinct org_code from finance.trial_balance -- where org_code = 'ORG02'\n"
    "union select org_code from kpi_monthly",
    "select distinct org_code from trial_balance /* ' or 1=1 -- */ where org_code <> 'x' or true",
    "with x as (select * from fct_business_events) select distinct org_code from x",
    "with a as (select * from recon_items), b as (select * from a) select distinct org_code from b",
    "select distinct org_code from (select * from (select * from voucher_proposals))",
    "select distinct t.org_code from trial_balance t join kpi_monthly k on true",
    "select distinct org_code from ar_aging union all select distinct org_code from ap_aging",
    "with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) "
    "select distinct org_code from r, voucher_proposal_lines",
    'select distinct org_code from "fct_gl_lines" as "trial_balance"',
    "select org_code from dim_org",
    "select distinct org_code from income_statement where org_code in ('GROUP', 'ORG02', 'ORG01')",
    "from balance_sheet select distinct org_code",
    "select distinct org_code from dim_period natural join dim_department",
]


@pytest.mark.parametrize("sql", ORG_COLUMN_QUERIES)
def test_a_limited_analyst_sees_only_its_org(path: Path, sql: str):
    res = run(ANALYST, sql, path)
    assert set(res.frame["org_code"]) == {ORG}, sql


@pytest.mark.parametrize("sql", ORG_COLUMN_QUERIES[:3])
def test_the_org_check_is_not_vacuous(path: Path, sql: str):
    """Control: the same statements for a user granted every org return several orgs."""
    assert len(set(run(EVERY, sql, path).frame["org_code"]) - {"GROUP"}) == 3


@pytest.mark.parametrize(
    ("sql", "expected_sql"),
    [
        (
            "select count(*) as n from fct_gl_lines",
            "select count(*) from core.fct_gl_lines where org_code = ?",
        ),
        (
            "select count(*) filter (where org_code = 'ORG02') + count(*) as n from fct_gl_lines",
            "select count(*) from core.fct_gl_lines where org_code = ?",
        ),
        (
            "select count(*) as n from dim_org o, "
            "lateral (select 1 from fct_gl_lines g where g.org_code <> o.org_code)",
            "select 0 where ? is not null",
        ),
        (
            "select count(*) as n from dim_org "
            "where exists (select 1 from fct_gl_lines where org_code = 'ORG02')",
            "select 0 where ? is not null",
        ),
        (
            "select sum(debit) - sum(credit) + sum(debit) as n from fct_gl_lines",
            "select sum(debit) - sum(credit) + sum(debit) from core.fct_gl_lines where org_code = ?",
        ),
        (
            "select count(*) as n from (select org_code from trial_balance_consolidated "
            "union all select org_code from kpi_monthly where org_code = 'GROUP')",
            "select 0 where ? is not null",
        ),
    ],
)
def test_figures_equal_the_warehouse_filtered_to_the_org(path: Path, sql: str, expected_sql: str):
    res = run(ANALYST, sql, path)
    expected = direct(path, expected_sql, ORG)
    assert [tuple(r) for r in res.frame.itertuples(index=False)] == expected


def test_several_grants_combine(path: Path):
    res = run(TWO, "select org_code, count(*) as n from fct_gl_lines group by 1 order by 1", path)
    expected = direct(
        path,
        "select org_code, count(*) from core.fct_gl_lines where org_code in ('ORG01', 'ORG03') "
        "group by 1 order by 1",
    )
    assert [tuple(r) for r in res.frame.itertuples(index=False)] == expected
    assert len(expected) == 2


def test_every_org_sees_the_group_rows(path: Path):
    res = run(EVERY, "select org_code, count(*) as n from kpi_monthly group by 1 order by 1", path)
    expected = direct(path, "select org_code, count(*) from finance.kpi_monthly group by 1 order by 1")
    assert [tuple(r) for r in res.frame.itertuples(index=False)] == expected
    assert "GROUP" in set(res.frame["org_code"])


def test_no_grant_no_rows(path: Path):
    assert "no org grant" in refused(NONE, "select count(*) from fct_gl_lines", path)


def test_a_role_without_the_console_is_refused(path: Path):
    with pytest.raises(access.AccessDenied), access.use(MANAGER):
        console.run("select 1", path=path)
    with pytest.raises(access.NotLoggedIn):
        console.run("select 1", path=path)


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_csv('/etc/passwd')",
        "select * from '/etc/passwd'",
        "select * from duckdb_settings()",
        "select current_setting('temp_directory')",
        "select * from information_schema.tables",
        "select * from staging.stg_erp__orgs",
        "select * from trial_balance union all select * from raw_erp.orgs",
        "pragma database_list",
        "attach 'x.duckdb' as x",
        "select * from query('select * from finance.trial_balance')",
    ],
)
def test_refused_statements_return_nothing(path: Path, sql: str):
    assert refused(ANALYST, sql, path)


def test_the_model_list_is_the_documented_marts(path: Path):
    ver = wh.version(path)
    names = console.model_list(ver)
    schemas = {s for s, _ in names}
    assert schemas <= {"core", "finance", "reconciliation", "vouchers"}
    assert ("finance", "trial_balance") in names and ("core", "fct_gl_lines") in names
    assert not any(n.startswith("stg_") or n.startswith("int_") for _, n in names)


# --- the worker's own checks, past the guard --------------------------------------------------


def _raw(sql: str) -> sql_guard.Guarded:
    """A statement as if the guard had let it through unchanged."""
    return sql_guard.Guarded(sql, {}, frozenset())


@pytest.mark.parametrize(
    ("sql", "ddl", "why"),
    [
        ("select * from finance.trial_balance", {}, "not readable"),
        ("select current_setting('temp_directory')", {}, "not allowed"),
        ("select * from duckdb_settings()", {}, "not allowed"),
        ("select * from read_csv('/etc/passwd')", {}, "not allowed"),
        ("select 1", {"x": "set enable_external_access = true"}, "locked"),
        ("select 1", {"x": "set lock_configuration = false"}, "locked"),
        ("select 1", {"x": "select * from read_csv('/etc/passwd')"}, "disabled"),
        ("select 1", {"x": "create table main.t as select 1"}, "read-only"),
        ("select 1", {"x": "install httpfs"}, ""),
    ],
)
def test_the_worker_refuses_what_slips_past_the_guard(path: Path, sql: str, ddl: dict, why: str):
    with pytest.raises((console.ConsoleRefused, console.ConsoleFailed)) as info:
        console.run_worker(path, _raw(sql), ddl, timeout_s=5)
    assert why.lower() in str(info.value).lower()
    assert "/" not in str(info.value).replace("/etc/passwd", "")


def test_page_connections_are_locked_down(path: Path):
    """The app's own page connection: no file access, and no setting can loosen it."""
    with wh.connect(path) as con:
        with pytest.raises(duckdb.Error, match="disabled"):
            con.execute("select * from read_csv('/etc/passwd')")
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute("set enable_external_access = true")
        with pytest.raises(duckdb.Error):
            con.execute("create table main.t as select 1")


# --- limits --------------------------------------------------------------------------------


def test_a_huge_scalar_expression_is_stopped(path: Path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    msg = refused(ANALYST, "select length(repeat('x', 1500000000))", path, timeout_s=10, memory_limit="512MB")
    assert "memory" in msg
    assert time.perf_counter() - t0 < 10
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    limit_kb = (512 + console.WORKER_BASE_MB) * 1024
    if before < limit_kb:  # (the largest child so far: meaningful unless an earlier one was larger)
        assert peak_kb < limit_kb, "the worker stayed under its limit"


def test_a_long_query_is_interrupted(path: Path):
    t0 = time.perf_counter()
    msg = refused(ANALYST, "select count(*) from range(1000000000000)", path, timeout_s=0.5)
    assert "longer than the 0.5 s limit" in msg
    assert time.perf_counter() - t0 < 0.5 + console.GRACE_S


def test_a_worker_that_does_not_stop_is_killed(path: Path):
    guarded = sql_guard.guard("select count(*) from range(1000000000000)", {})
    t0 = time.perf_counter()
    with pytest.raises(console.ConsoleRefused, match="stopped"):
        console.run_worker(path, guarded, {}, timeout_s=60, kill_after_s=1.0)
    assert time.perf_counter() - t0 < 5


def test_row_limit_truncates(path: Path):
    res = run(ANALYST, "select * from range(100)", path, row_limit=10)
    assert len(res.frame) == 10 and res.truncated


def test_a_failing_query_is_one_line_without_view_names(path: Path):
    with pytest.raises(console.ConsoleFailed) as info, access.use(ANALYST):
        console.run("select no_such_column from trial_balance", path=path)
    msg = str(info.value)
    assert "no_such_column" in msg and "\n" not in msg and "lb_" not in msg


# --- side by side -------------------------------------------------------------------------------


def test_console_and_page_queries_run_at_the_same_time(path: Path):
    """Two analysts and a dashboard at once; an open page connection changes nothing either."""
    periods = [r[0] for r in direct(path, "select distinct period from finance.trial_balance order by 1")]
    f = {
        "orgs": ["ORG01", "ORG02", "ORG03"],
        "org": "ORG01",
        "p0": periods[0],
        "p1": periods[-1],
        "period": periods[-1],
    }
    batches = [Q.page_requests(p, f) for p in ("overview", "reports", "recon", "vouchers")]
    expected_pages = [wh.timed_uncached(path, b)[1] for b in batches]
    expected_n = direct(path, "select count(*) from core.fct_gl_lines where org_code = ?", ORG)[0][0]

    def page(i: int):
        return wh.timed_uncached(path, batches[i % len(batches)])[1]

    def analyst(_: int):
        return int(run(ANALYST, "select count(*) as n from fct_gl_lines", path).frame["n"][0])

    with wh.connect(path) as held, ThreadPoolExecutor(6) as pool:
        held.execute("select 1").fetchall()
        pages = [pool.submit(page, i) for i in range(8)]
        consoles = [pool.submit(analyst, i) for i in range(6)]
        for i, fut in enumerate(pages):
            got = fut.result(timeout=120)
            want = expected_pages[i % len(batches)]
            assert all(not isinstance(g, Exception) for g in got), got
            assert all(g.equals(w) for g, w in zip(got, want, strict=True))
        assert [c.result(timeout=120) for c in consoles] == [expected_n] * 6


# --- audit ------------------------------------------------------------------------------------------


def test_every_query_is_audited(path: Path):
    run(ANALYST, "select 42 as answer", path)
    refused(ANALYST, "select * from read_csv('/etc/passwd')", path)
    log = audit.read(actor=ANALYST.username, actions=["sql_query"])
    ok = log[log["target"] == "select 42 as answer"].iloc[0]
    assert int(ok["row_count"]) == 1 and '"outcome": "ok"' in ok["detail"] and ok["orgs"] == ORG
    bad = log[log["target"].str.contains("read_csv")].iloc[0]
    assert '"outcome": "refused"' in bad["detail"]
    assert audit.verify().ok
