"""The page connection and the org scope, through the app's own functions (issue 16).

These tests never set a DuckDB flag themselves: they open the warehouse with
``app.lib.warehouse.connect`` (the function every page query goes through, with its default
``PAGE_CONFIG``) and try what a hostile or wrong query would try; the scope tests go through
``app.lib.access.scope_of`` and ``app.lib.scoping.view_ddl``. A file outside the warehouse that
a page could read is written first, so "refused" means refused, not "file missing".
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from app.lib import access, scoping
from app.lib import warehouse as wh


@pytest.fixture
def small_warehouse(tmp_path: Path) -> Path:
    """A warehouse file with one org-coded table, and a CSV next to it a page must not read."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema finance")
        con.execute(
            "create table finance.kpi as select * from (values ('ORG01', 1), ('ORG02', 2), "
            "('GROUP', 3)) t(org_code, revenue)"
        )
    (tmp_path / "secret.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return path


def _refused(con: duckdb.DuckDBPyConnection, sql: str) -> bool:
    try:
        con.execute(sql).fetchall()
    except duckdb.Error:
        return True
    return False


def test_page_connection_reads_the_warehouse(small_warehouse: Path):
    """The control: the same connection reads the warehouse's own tables."""
    with wh.connect(small_warehouse) as con:
        assert con.execute("select sum(revenue) from finance.kpi").fetchone()[0] == 6


def test_page_connection_refuses_files_outside_the_warehouse(small_warehouse: Path):
    """A page query cannot read a file (the CSV exists and plain DuckDB reads it), write one,
    attach another database or load an extension."""
    secret = small_warehouse.parent / "secret.csv"
    with duckdb.connect() as plain:  # the file is readable: a refusal below is the setting's doing
        assert plain.execute(f"select count(*) from read_csv('{secret}')").fetchone()[0] == 1
    out = small_warehouse.parent / "out.csv"
    with wh.connect(small_warehouse) as con:
        assert _refused(con, f"select * from read_csv('{secret}')")
        assert _refused(con, f"select * from '{secret}'")
        assert _refused(con, f"copy (select 1) to '{out}'")
        assert _refused(con, f"attach '{small_warehouse.parent / 'other.duckdb'}' as other")
        assert _refused(con, "load httpfs")
    assert not out.exists()


def test_page_connection_settings_cannot_be_loosened(small_warehouse: Path):
    """The settings are locked: a query cannot switch external access back on, raise the memory
    limit or turn extension autoloading on, and the connection reports external access off."""
    secret = small_warehouse.parent / "secret.csv"
    with wh.connect(small_warehouse) as con:
        assert _refused(con, "set enable_external_access = true")
        assert _refused(con, "set memory_limit = '64GB'")
        assert _refused(con, "set autoload_known_extensions = true")
        assert _refused(con, "set threads = 64")
        assert con.execute("select current_setting('enable_external_access')").fetchone()[0] is False
        assert _refused(con, f"select * from read_csv('{secret}')")


def test_page_connection_is_read_only(small_warehouse: Path):
    with wh.connect(small_warehouse) as con:
        assert _refused(con, "insert into finance.kpi values ('ORG03', 9)")


def _visible(path: Path, codes) -> list[str]:
    with wh.connect(path) as con:
        con.execute(scoping.view_ddl("finance", "kpi", True, codes))
        view = scoping.view_name("finance", "kpi")
        return [r[0] for r in con.execute(f'select org_code from "{view}" order by 1').fetchall()]


def test_a_user_granted_no_org_sees_nothing(small_warehouse: Path):
    """Default deny: a principal with no grant gets an empty view, not every org."""
    p = access.principal("nobody", ["viewer"], [])
    scope = access.scope_of(p, ["ORG01", "ORG02", "GROUP"])
    assert scope.codes == ()
    assert _visible(small_warehouse, scope.codes) == []


def test_a_partial_grant_sees_its_orgs_and_never_the_group(small_warehouse: Path):
    """A user granted ORG01 of ORG01 and ORG02 sees ORG01 only: the consolidated GROUP rows hold
    ORG02's figures too."""
    p = access.principal("one", ["viewer"], ["ORG01"])
    scope = access.scope_of(p, ["ORG01", "ORG02", "GROUP"])
    assert not scope.full
    assert _visible(small_warehouse, scope.codes) == ["ORG01"]


def test_a_full_grant_sees_every_org_and_the_group(small_warehouse: Path):
    for granted in (["*"], ["ORG01", "ORG02"]):
        scope = access.scope_of(access.principal("all", ["viewer"], granted), ["ORG01", "ORG02", "GROUP"])
        assert scope.full
        assert _visible(small_warehouse, scope.codes) == ["GROUP", "ORG01", "ORG02"]
