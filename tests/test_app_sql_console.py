"""The analyst SQL console is read-only and safe: each refusal is proven here
against a real warehouse file, through the same function the page calls."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_app_support import build_synthetic_warehouse

from app.lib import warehouse as wh


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic_warehouse(tmp_path_factory.mktemp("sqlwh") / "warehouse.duckdb")


def refused(path: Path, sql: str, **kw) -> str:
    with pytest.raises(wh.ConsoleRefused) as info:
        wh.console_query(sql, path=path, **kw)
    return str(info.value)


def test_a_select_runs(path: Path):
    res = wh.console_query(
        "select org_code, count(*) as n from trial_balance group by 1 order by 1", path=path
    )
    assert res.frame["org_code"].tolist() == ["ORG01", "ORG03"]
    assert not res.truncated


def test_row_limit_truncates(path: Path):
    res = wh.console_query("select * from range(100)", path=path, row_limit=10)
    assert len(res.frame) == 10 and res.truncated


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/etc/hostname')",
        "select * from '/etc/passwd'",
        "select * from read_parquet('/tmp/x.parquet')",
        "select * from glob('/etc/*')",
        "select * from read_json('https://example.com/x.json')",
    ],
)
def test_file_and_network_reads_are_refused(path: Path, sql: str):
    assert "file and network access is disabled" in refused(path, sql)


@pytest.mark.parametrize(
    "sql",
    [
        "create table x as select 1",
        "insert into dim_org values ('X', 'x', 'x', 'CNY')",
        "update dim_org set org_name = 'x'",
        "delete from dim_org",
        "drop table dim_org",
        "alter table dim_org add column y int",
    ],
)
def test_writes_are_refused(path: Path, sql: str):
    assert "writes are not allowed" in refused(path, sql)


def test_copy_is_refused(path: Path, tmp_path: Path):
    assert "COPY is not allowed" in refused(path, f"copy dim_org to '{tmp_path / 'out.csv'}'")
    assert "COPY is not allowed" in refused(path, "copy dim_org from '/etc/passwd'")
    assert not (tmp_path / "out.csv").exists()
    assert "EXPORT is not allowed" in refused(path, f"export database '{tmp_path}'")


def test_attach_is_refused(path: Path, tmp_path: Path):
    assert "ATTACH is not allowed" in refused(path, f"attach '{tmp_path / 'other.duckdb'}' as other")


def test_install_and_load_are_refused(path: Path):
    assert "INSTALL/LOAD is not allowed" in refused(path, "install httpfs")
    assert "INSTALL/LOAD is not allowed" in refused(path, "load httpfs")


def test_settings_are_locked(path: Path):
    assert "settings are locked" in refused(path, "set enable_external_access = true")
    assert "PRAGMA is not allowed" in refused(path, "pragma enable_profiling")


def test_several_statements_are_refused(path: Path):
    assert "one statement at a time" in refused(path, "select 1; drop table dim_org")


def test_long_queries_are_stopped(path: Path):
    t0 = time.perf_counter()
    msg = refused(path, "select count(*) from range(1000000000000) a", timeout_s=0.5)
    assert "longer than the 0.5 s limit" in msg
    assert time.perf_counter() - t0 < 10


def test_the_connection_itself_is_locked_down(path: Path):
    """Even a statement that slipped past the statement check could not write or read files:
    the connection is read-only with external access off and the configuration locked."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    with pytest.raises(duckdb.Error):
        con.execute("SET enable_external_access = true")
    with pytest.raises(duckdb.Error):
        con.execute("create table x as select 1")
    with pytest.raises(duckdb.Error):
        con.execute("select * from read_csv('/etc/passwd')")
    con.close()


def test_missing_warehouse_is_a_clear_refusal(tmp_path: Path):
    msg = refused(tmp_path / "none.duckdb", "select 1")
    assert "make demo" in msg
