"""The refresh run: publish only on success, readers never block a run, the run lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ledgerbridge import runlog
from ledgerbridge.refresh import RefreshError, RunLockedError, publish, refresh, run_lock


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_lock_refuses_a_second_run(tmp_data_dir: Path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_data_dir / ".run.lock").write_text(f"{sleeper.pid} 2026-01-01T00:00:00")
        with pytest.raises(RunLockedError, match="another 'ledgerbridge run' is in progress"):
            refresh(skip_ingest=True)
        assert (tmp_data_dir / ".run.lock").read_text().startswith(str(sleeper.pid))
    finally:
        sleeper.kill()
        sleeper.wait()


def test_stale_lock_is_taken_over(tmp_data_dir: Path):
    lock = tmp_data_dir / ".run.lock"
    lock.write_text(f"{_dead_pid()} 2026-01-01T00:00:00")
    with run_lock() as held:
        assert held == lock
        assert lock.read_text().split()[0] == str(os.getpid())
    assert not lock.exists()


def test_failed_step_is_recorded_and_nothing_published(tmp_data_dir: Path):
    with pytest.raises(RefreshError, match="ingest failed") as info:
        refresh(skip_ingest=True)  # no raw file yet
    assert info.value.result.step("ingest").status == "failed"
    assert not (tmp_data_dir / "warehouse.duckdb").exists()
    last = runlog.recent_runs(1)[0]
    assert last["status"] == "failed" and last["failed_step"] == "ingest"
    assert not (tmp_data_dir / ".run.lock").exists()


def test_publish_replaces_atomically_and_drops_stale_wal(tmp_path: Path):
    target = tmp_path / "warehouse.duckdb"
    work = tmp_path / ".build" / "warehouse.duckdb"
    work.parent.mkdir()
    for path, value in ((target, 1), (work, 2)):
        con = duckdb.connect(str(path))
        con.execute(f"create table t as select {value} as v")
        con.close()
    (tmp_path / "warehouse.duckdb.wal").write_bytes(b"stale")
    publish(work, target)
    assert not work.exists() and not (tmp_path / "warehouse.duckdb.wal").exists()
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("select v from t").fetchone()[0] == 2
    con.close()


@pytest.mark.slow
def test_failing_dbt_test_does_not_publish(built_warehouse, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LEDGERBRIDGE_DATA_DIR", str(built_warehouse.data_dir))
    target = built_warehouse.warehouse
    before = target.stat()
    with pytest.raises(RefreshError, match="dbt failed") as info:
        refresh(skip_ingest=True, dbt_vars={"lb_fail_on_purpose": True})
    result = info.value.result
    assert result.step("dbt").status == "failed"
    assert result.step("publish") is None
    assert any(n["node_name"] == "assert_deliberate_failure" for n in result.failed_nodes)
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    con = duckdb.connect(str(target), read_only=True)  # the previous warehouse stays readable
    assert con.execute("select count(*) from core.fct_business_events").fetchone()[0] > 0
    con.close()
    last = runlog.recent_runs(1)[0]
    assert last["status"] == "failed" and last["failed_step"] == "dbt"
    assert "assert_deliberate_failure" in last["error"]
    failed = [r for r in runlog.dbt_results(last["run_id"]) if r["status"] == "fail"]
    assert [r["node_name"] for r in failed] == ["assert_deliberate_failure"]


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
n = con.execute("select count(*) from core.fct_gl_lines").fetchone()[0]
print(n, flush=True)
sys.stdin.readline()  # hold the connection until the test says so
print(con.execute("select count(*) from core.fct_gl_lines").fetchone()[0], flush=True)
"""


@pytest.mark.slow
def test_reader_holding_the_published_file_does_not_block_a_run(
    built_warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("LEDGERBRIDGE_DATA_DIR", str(built_warehouse.data_dir))
    target = tmp_path / "served" / "warehouse.duckdb"
    target.parent.mkdir()
    target.write_bytes(built_warehouse.warehouse.read_bytes())
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        first = int(reader.stdout.readline())
        result = refresh(skip_ingest=True, warehouse=target)
        assert result.ok and result.published_path == target
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert int(reader.stdout.readline()) == first  # the open reader keeps its snapshot
        assert reader.wait(timeout=30) == 0
    finally:
        if reader.poll() is None:
            reader.kill()
    con = duckdb.connect(str(target), read_only=True)  # a fresh reader sees the new file
    assert con.execute("select count(*) from core.fct_gl_lines").fetchone()[0] == first
    assert con.execute("select count(*) from monitoring.mon_dbt_results").fetchone()[0] > 0
    con.close()
