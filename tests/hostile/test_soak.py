"""Soak: the simulated enterprise moves through 22 as-of dates (new documents, amendments,
cancellations), the test deletes ERP rows itself now and then, and every third run meets a fault:
a cut-off GL export, the ERP down, ``ledgerbridge run`` killed during ingest, the expense API down,
a row dated 2099, ``ledgerbridge run`` killed during dbt, a broken workbook. At the end the raw
tables and the marts equal a fresh full load of the final sources (row counts and checksums), the
published warehouse was never replaced by a failed run, and the killed runs show as failed."""

from __future__ import annotations

import datetime as dt
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingestion import run_ingest
from ledgerbridge import runlog
from ledgerbridge.errors import SourceError
from tests.hostile.kit import differences, raw_fingerprint

SEED, SCALE = 7, 0.05
AS_OF = [dt.date(2025, 2, 14) + dt.timedelta(days=15 * i) for i in range(21)] + [dt.date(2025, 12, 31)]
#: run number -> the ERP rows the test deletes before it (table, key column, how many)
DELETIONS = {
    4: [("sales_order_lines", "so_no, line_no", 2), ("customer_receipts", "receipt_no", 1)],
    10: [("purchase_orders", "po_no", 1)],
    16: [("sales_order_lines", "so_no, line_no", 1)],
}
MART_SCHEMAS = ("core", "finance", "reconciliation", "vouchers")
PLACEHOLDER = b"the warehouse published before the soak"


def _simulate(out: Path, as_of: dt.date) -> None:
    from ledgerbridge.simulator import SimulationConfig, simulate

    simulate(SimulationConfig(seed=SEED, scale=SCALE, out=out, as_of=as_of))


def _delete(db: Path, gone: dict[tuple[str, str], set[tuple]], table: str, keys: str, n: int) -> None:
    """Pick ``n`` more rows of a table for deletion (not the very first ones)."""
    done = gone.setdefault((table, keys), set())
    with sqlite3.connect(db) as con:
        rows = [
            r for r in con.execute(f"select {keys} from {table} order by {keys}").fetchall() if r not in done
        ]
    done.update(rows[3 : 3 + n])


def _apply_deletions(db: Path, gone: dict[tuple[str, str], set[tuple]]) -> None:
    with sqlite3.connect(db) as con:
        for (table, keys), rows in gone.items():
            cols = [k.strip() for k in keys.split(",")]
            where = " and ".join(f"{c} = ?" for c in cols)
            con.executemany(f"delete from {table} where {where}", list(rows))


def _kill_run(src: Path, during: str, warehouse: Path) -> str:
    """Start ``ledgerbridge run`` and SIGKILL it during ``ingest`` or ``dbt``; returns its run id."""
    before = {r["run_id"] for r in runlog.recent_runs(100)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ledgerbridge.cli", "run", "--sources-dir", str(src)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 300
        run_id = None
        while time.time() < deadline and proc.poll() is None:
            new = [r for r in runlog.recent_runs(5) if r["run_id"] not in before]
            if new:
                run_id = new[0]["run_id"]
                steps = [s["step"] for s in runlog.run_steps(run_id)]
                if during == "ingest" or "ingest" in steps:
                    time.sleep(1.0 if during == "dbt" else 0.3)  # well inside the step
                    break
            time.sleep(0.1)
        assert run_id and proc.poll() is None, f"the run ended before it could be killed during {during}"
        steps = [s["step"] for s in runlog.run_steps(run_id)]
        assert steps == ([] if during == "ingest" else ["ingest"]), steps
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert warehouse.read_bytes() == PLACEHOLDER  # a killed run publishes nothing
    return run_id


def _marts(path: Path) -> dict[str, tuple[int, int]]:
    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database() "
            f"and schema_name in {MART_SCHEMAS} order by 1, 2"
        ).fetchall()
        for schema, table in tables:
            cols = [
                r[0] for r in con.execute(f'describe "{schema}"."{table}"').fetchall() if "load" not in r[0]
            ]
            row = "hash(" + ", ".join(f'"{c}"' for c in cols) + ")"
            n, s = con.execute(
                f'select count(*), coalesce(sum({row} % 1000000007), 0) from "{schema}"."{table}"'
            ).fetchone()
            out[f"{schema}.{table}"] = (n, int(s))
    return out


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 22 loads and two builds: about 3 minutes alone, far more on a busy machine
def test_soak_incremental_runs_end_equal_to_a_fresh_full_load(place: Path, monkeypatch: pytest.MonkeyPatch):
    from ledgerbridge.paths import raw_path, warehouse_path
    from ledgerbridge.refresh import refresh, run_dbt

    src = place / "sources"
    data = place / "data"
    data.mkdir(exist_ok=True)
    raw, warehouse = raw_path(), warehouse_path()
    warehouse.write_bytes(PLACEHOLDER)
    gone: dict[tuple[str, str], set[tuple]] = {}
    killed = []
    for run, as_of in enumerate(AS_OF, start=1):
        _simulate(src, as_of)
        db = src / "erp.sqlite"
        for table, keys, n in DELETIONS.get(run, []):
            _delete(db, gone, table, keys, n)
        _apply_deletions(db, gone)
        if run == 3:  # a re-export cut off in the middle
            export = max((src / "gl").glob("2025-01/凭证_ORG01_*.csv"), key=lambda p: p.stat().st_size)
            export.write_bytes(export.read_bytes()[: export.stat().st_size // 2])
            report = run_ingest(sources_dir=src, raw_path=raw)
            assert any(f"gl/2025-01/{export.name} held back" in w for w in report.warnings), report.warnings
            continue
        if run == 6:  # the ERP database is down
            monkeypatch.setenv("SOURCES__ERP__URL", "postgresql://ledgerbridge@127.0.0.1:1/erp")
            with pytest.raises(SourceError, match=r"^erp: .*127\.0\.0\.1") as err:
                run_ingest(sources_dir=src, raw_path=raw)
            monkeypatch.delenv("SOURCES__ERP__URL")
            assert [s.status for s in err.value.report.sources] == ["failed", "success", "success"]
            continue
        if run in (9, 18):
            killed.append(_kill_run(src, "ingest" if run == 9 else "dbt", warehouse))
            continue
        if run == 12:  # the expense API is down
            monkeypatch.setenv("SOURCES__EXPENSE__BASE_URL", "http://127.0.0.1:1")
            monkeypatch.setenv("SOURCES__EXPENSE__REQUEST_MAX_ATTEMPTS", "1")
            with pytest.raises(SourceError, match=r"^expense: .*cannot connect"):
                run_ingest(sources_dir=src, raw_path=raw)
            monkeypatch.delenv("SOURCES__EXPENSE__BASE_URL")
            monkeypatch.delenv("SOURCES__EXPENSE__REQUEST_MAX_ATTEMPTS")
            continue
        if run == 15:  # a row from the future
            with sqlite3.connect(db) as con:
                con.execute(
                    "insert into sales_orders select 'SO99FUTURE', org_code, customer_code, order_date, "
                    "currency, tax_rate, net_amount, tax_amount, gross_amount, status, "
                    "'2099-01-01 00:00:00' from sales_orders limit 1"
                )
        if run == 21:  # a workbook that is not one
            victim = next((src / "gl").glob("2025-02/凭证_ORG03_*.xlsx"))
            victim.write_bytes(b"not a workbook")
            with pytest.raises(SourceError, match=f"^finance: cannot read gl/2025-02/{victim.name}"):
                run_ingest(sources_dir=src, raw_path=raw)
            continue
        report = run_ingest(sources_dir=src, raw_path=raw)
        assert report.ok and report.warnings == [], (run, report.warnings)
        if run == 15:
            assert report.source("erp").quarantined >= 1
    # the final, good run: ingest, build, publish
    result = refresh(sources_dir=src)
    assert result.ok and warehouse.read_bytes() != PLACEHOLDER
    runs = {r["run_id"]: r for r in runlog.recent_runs(50)}
    for run_id in killed:
        assert runs[run_id]["status"] == "failed" and "stopped without finishing" in runs[run_id]["error"]
    assert [runs[k]["failed_step"] for k in killed] == ["ingest", "dbt"]
    # a fresh full load of the final sources, and its build
    fresh = place / "fresh" / "raw.duckdb"
    fresh.parent.mkdir()
    run_ingest(sources_dir=src, raw_path=fresh)
    assert differences(raw_fingerprint(raw), raw_fingerprint(fresh)) == {}
    with duckdb.connect(str(raw), read_only=True) as con:
        marked = con.execute(
            "select count(*) from raw_erp.sales_order_lines where _deleted_at is not null"
        ).fetchone()
    assert marked[0] == 3  # the test's deletions are marked, not dropped
    work = place / "fresh" / "build" / "warehouse.duckdb"
    work.parent.mkdir()
    ok, _, error = run_dbt(work, fresh)
    assert ok, error
    assert differences(_marts(warehouse), _marts(work)) == {}
