"""The SQL console's guard on its own (no warehouse): what it refuses, and that every
table reference it lets through is rewritten to a scoped view or is a CTE."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from app.lib import sql_guard

MODELS = {
    "trial_balance": [("finance", "trial_balance")],
    "fct_gl_lines": [("core", "fct_gl_lines")],
    "dim_org": [("core", "dim_org")],
    "kpi_monthly": [("finance", "kpi_monthly")],
    "twice": [("core", "twice"), ("finance", "twice")],
}


def tables_of(sql: str) -> list[exp.Table]:
    return list(sqlglot.parse_one(sql, read="duckdb").find_all(exp.Table))


def assert_only_views_and_ctes(g: sql_guard.Guarded) -> None:
    for t in tables_of(g.sql):
        if isinstance(t.this, exp.Func):
            assert t.this.sql_name().lower() in sql_guard.ALLOWED_TABLE_FUNCTIONS
            continue
        assert not t.db and not t.args.get("catalog"), t.sql()
        assert t.name in g.views or t.name.lower() in g.ctes, t.sql()


@pytest.mark.parametrize(
    ("sql", "views"),
    [
        ("select * from trial_balance", {"lb_finance__trial_balance"}),
        ("select * from finance.trial_balance tb where tb.org_code = 'ORG02'", {"lb_finance__trial_balance"}),
        ('select * from "FINANCE"."Trial_Balance"', {"lb_finance__trial_balance"}),
        (
            "select * from trial_balance /* union select * from staging.x */ -- x",
            {"lb_finance__trial_balance"},
        ),
        (
            "with a as (select * from trial_balance), b as (select * from a join dim_org using (org_code)) "
            "select * from b union all select * from b",
            {"lb_finance__trial_balance", "lb_core__dim_org"},
        ),
        (
            "select * from dim_org o, "
            "lateral (select count(*) from fct_gl_lines g where g.org_code <> o.org_code)",
            {"lb_core__dim_org", "lb_core__fct_gl_lines"},
        ),
        (
            "select (select count(*) from fct_gl_lines), * from kpi_monthly where org_code in "
            "(select org_code from dim_org) union select null, * from kpi_monthly",
            {"lb_core__fct_gl_lines", "lb_finance__kpi_monthly", "lb_core__dim_org"},
        ),
        (
            "with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) "
            "select * from r, trial_balance",
            {"lb_finance__trial_balance"},
        ),
        ("from trial_balance select org_code", {"lb_finance__trial_balance"}),
        ("select * from range(10) r, unnest([1, 2])", set()),
        ("select * from core.twice", {"lb_core__twice"}),
    ],
)
def test_every_table_becomes_its_scoped_view(sql: str, views: set[str]):
    g = sql_guard.guard(sql, MODELS)
    assert set(g.views) == views
    assert_only_views_and_ctes(g)
    assert "/*" not in g.sql and "--" not in g.sql, "comments are dropped"


def test_an_alias_is_kept_and_a_bare_name_stays_usable():
    g = sql_guard.guard(
        "select trial_balance.org_code, t2.period from trial_balance join kpi_monthly t2 "
        "on t2.org_code = trial_balance.org_code",
        MODELS,
    )
    assert "AS trial_balance" in g.sql and "AS t2" in g.sql


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("", "empty"),
        ("select 1; select 2", "one statement"),
        ("select 1; drop table trial_balance", "one statement"),
        ("drop table trial_balance", "only SELECT"),
        ("insert into trial_balance select * from trial_balance", "only SELECT"),
        ("create table x as select 1", "only SELECT"),
        ("copy trial_balance to '/tmp/x.csv'", "only SELECT"),
        ("attach '/tmp/x.duckdb' as x", "only SELECT"),
        ("pragma database_list", "only SELECT"),
        ("set enable_external_access = true", "only SELECT"),
        ("explain select 1", "only SELECT"),
        ("summarize trial_balance", "only SELECT"),
        ("describe trial_balance", "only SELECT"),
        ("pivot trial_balance on period using sum(period_debit)", "only SELECT"),
        ("select * from (describe trial_balance)", "not allowed"),
        ("select * from (summarize trial_balance)", "not allowed"),
        ("select * from read_csv('/etc/passwd')", "not allowed"),
        ("select * from read_text('/etc/hostname')", "not allowed"),
        ("select * from '/etc/passwd'", "not a model"),
        ("select * from 'trial_balance.parquet'", "not a model"),
        ("select * from parquet_scan('x.parquet')", "not allowed"),
        ("select * from glob('/etc/*')", "not allowed"),
        ("select * from query('select * from staging.stg_erp__orgs')", "not allowed"),
        ("select * from query_table('trial_balance')", "not allowed"),
        ("select * from duckdb_settings()", "not allowed"),
        ("select * from duckdb_databases()", "not allowed"),
        ("select * from pragma_database_list()", "not allowed"),
        ("select current_setting('home_directory')", "not allowed"),
        ("select getenv('HOME')", "not allowed"),
        ("select current_database()", "not allowed"),
        ("select * from information_schema.tables", "not a model"),
        ("select * from pg_catalog.pg_tables", "not a model"),
        ("select * from staging.stg_erp__orgs", "not a model"),
        ("select * from raw_erp.orgs", "not a model"),
        ("select * from main.trial_balance", "not a model"),
        ("select * from warehouse.finance.trial_balance", "only the published"),
        ("select * from lb_finance__trial_balance", "not a model"),
        ("select * from trial_balance union all select * from staging.stg_erp__orgs", "not a model"),
        ("with x as (select * from raw_finance.gl_voucher_lines) select * from x", "not a model"),
        ("select * from dim_org where org_code in (select org_code from raw_erp.orgs)", "not a model"),
        ("with trial_balance as (select 1) select * from trial_balance", "belongs to a model"),
        ("with lb_x as (select 1) select * from lb_x", "belongs to a model"),
        ("select * from twice", "several schemas"),
        ("select * from trial_balance at (version => 1)", "not supported"),
        ("select * from trial_balance where org_code = ?", "not allowed"),
        ("select * from trial_balance where org_code = $1", "not allowed"),
        ("select * into x from trial_balance", "not allowed"),
        ("select 1 +", "syntax error"),
        ("select " + "1," * 12000 + "1", "longer than"),
    ],
)
def test_refused(sql: str, why: str):
    with pytest.raises(sql_guard.Refused, match=why):
        sql_guard.guard(sql, MODELS)
