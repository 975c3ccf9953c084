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

HOLDER = """
import sys, time
from pathlib import Path
from ledgerbridge.runlock import run_lock
with run_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def test_lock_refuses_a_second_run_and_is_released_when_its_holder_is_killed(tmp_data_dir: Path):
    lock = tmp_data_dir / ".run.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunLockedError, match=f"in progress \\(pid {holder.pid}, since "):
            refresh(skip_ingest=True)
    finally:
        holder.kill()  # SIGKILL: no clean-up code runs
        holder.wait()
    with run_lock() as held:  # the kernel released the dead holder's lock
        assert held == lock
        assert lock.read_text().split()[0] == str(os.getpid())
    assert lock.read_text() == ""  # not held any more (the file stays: see ledgerbridge.runlock)


CONTENDER = """
import sys, time
from pathlib import Path
from ledgerbridge.runlock import RunLockedError, run_lock
lock, go = Path(sys.argv[1]), float(sys.argv[2])
while time.time() < go:
    pass
try:
    with run_lock(lock):
        time.sleep(1.5)  # hold it while every other contender tries
        print("won", flush=True)
except RunLockedError:
    print("lost", flush=True)
"""


def test_many_contenders_exactly_one_wins(tmp_path: Path):
    """Eight processes released at the same instant on a lock file left by a dead run."""
    import time

    lock = tmp_path / ".run.lock"
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    lock.write_text(f"{proc.pid} 2026-01-01T00:00:00")  # a stale lock file of a dead process
    go = time.time() + 3  # every contender is started (imports done) by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONTENDER, str(lock), str(go)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    outcomes = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert outcomes == ["lost"] * 7 + ["won"]


KILLED_RUN = """
import os, signal, sys
from ledgerbridge import runlog
from ledgerbridge.runlock import run_lock
with run_lock():
    runlog.start_run("killed-run")
    runlog.record_step("killed-run", "ingest", "success", seconds=1.0)
    os.kill(os.getpid(), signal.SIGKILL)  # dies in the dbt step, holding the lock
"""


def test_a_killed_run_shows_as_failed_once_the_next_run_starts(tmp_data_dir: Path):
    done = subprocess.run([sys.executable, "-c", KILLED_RUN], timeout=60)
    assert done.returncode == -9
    assert runlog.recent_runs(1)[0]["status"] == "running"  # what the killed process left
    with pytest.raises(RefreshError):
        refresh(skip_ingest=True)  # no raw file: fails, but only after taking the lock
    runs = {r["run_id"]: r for r in runlog.recent_runs(5)}
    killed = runs["killed-run"]
    assert killed["status"] == "failed" and killed["failed_step"] == "dbt"
    assert "stopped without finishing" in killed["error"]
    assert killed["ended_at"] is not None


def test_failed_step_is_recorded_and_nothing_published(tmp_data_dir: Path):
    with pytest.raises(RefreshError, match="ingest failed") as info:
        refresh(skip_ingest=True)  # no raw file yet
    assert info.value.result.step("ingest").status == "failed"
    assert not (tmp_data_dir / "warehouse.duckdb").exists()
    last = runlog.recent_runs(1)[0]
    assert last["status"] == "failed" and last["failed_step"] == "ingest"
    assert (tmp_data_dir / ".run.lock").read_text() == ""  # released


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
