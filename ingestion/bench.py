"""Benchmark the ingestion at a given scale: rows/s per source, seconds, CPU seconds, peak memory.

``measure(sources_dir)`` runs a full load into a fresh raw file, then (optionally) touches about
1 % of the sources and runs the incremental load; the ``bench`` command prints the dict.
``storage_floor(raw_path)`` times what DuckDB alone needs to store the loaded rows (no source, no
dlt): the lower bound of any load into this file format on this machine.
Wall-clock numbers on a shared 2-core machine depend on what else runs: ``cpu_seconds``
(user + system of this process) is the steadier figure.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def touch_one_percent(sources_dir: Path) -> int:
    """Amend ~1 % of the ERP documents (new updated_at, status flip) like a day of business."""
    changed = 0
    with sqlite3.connect(sources_dir / "erp.sqlite") as con:
        for table in ("sales_orders", "purchase_orders", "customer_invoices", "supplier_invoices"):
            n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            k = max(1, n // 100)
            cur = con.execute(
                f"UPDATE {table} SET updated_at = datetime('now'), status = 'approved' "
                f"WHERE rowid IN (SELECT rowid FROM {table} ORDER BY rowid DESC LIMIT {k})"
            )
            changed += cur.rowcount
    return changed


def _store(tables: dict[str, Any], path: Path, mode: str) -> float:
    """Seconds to store Arrow tables in a new DuckDB file. ``merge`` goes through a staging table
    that is emptied before the checkpoint, as the loads empty theirs."""
    import duckdb

    with duckdb.connect(str(path)) as con:
        t0 = time.perf_counter()
        for name, table in tables.items():
            con.register("batch", table)
            if mode == "merge":
                con.execute(f'CREATE TABLE "{name}__staging" AS SELECT * FROM batch')
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM "{name}__staging"')
                con.execute(f'TRUNCATE "{name}__staging"')
            else:
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM batch')
            con.unregister("batch")
        con.execute("CHECKPOINT")
        return time.perf_counter() - t0


def storage_floor(raw_path: Path, sources: list[str] | None = None) -> dict[str, Any]:
    """Per source: seconds DuckDB alone takes to store the rows a full load wrote, from Arrow
    tables already in memory into a fresh file, once (``write``) and the way a merge does it, into a
    staging table and from there into the table, the staging table emptied (``merge``), each with
    its checkpoint; best of 3.

    The rows/s of ``merge`` bound what any merge load of that source can reach on this machine.
    """
    import duckdb

    from ingestion.config import IngestConfig

    cfg = IngestConfig.load()
    out: dict[str, Any] = {}
    with duckdb.connect(str(raw_path), read_only=True) as raw, tempfile.TemporaryDirectory() as tmp:
        for n, source in enumerate(sources or cfg.source_order):
            dataset = cfg.value(source, "dataset", f"raw_{source}")
            tables = {
                t.name: raw.sql(f'SELECT * FROM {dataset}."{t.name}"').arrow().read_all()
                for t in cfg.tables(source)
            }
            rows = sum(t.num_rows for t in tables.values())
            figures: dict[str, Any] = {"rows": rows}
            for mode in ("write", "merge"):
                seconds = min(_store(tables, Path(tmp) / f"{n}-{mode}-{i}.duckdb", mode) for i in range(3))
                figures[f"{mode}_seconds"] = round(seconds, 3)
                figures[f"{mode}_rows_per_s"] = round(rows / seconds) if seconds else None
            out[source] = figures
    return out


def _summary(report: Any, wall: float, cpu: float) -> dict[str, Any]:
    out: dict[str, Any] = {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "sources": {}}
    for s in report.sources:
        out["sources"][s.source] = {
            "rows": s.rows,
            "quarantined": s.quarantined,
            "seconds": round(s.seconds, 2),
            "rows_per_s": round(s.rows / s.seconds) if s.seconds else None,
            "status": s.status,
        }
    out["rows"] = sum(s.rows for s in report.sources)
    out["rows_per_s"] = round(out["rows"] / wall) if wall else None
    return out


def measure(
    sources_dir: Path | str,
    *,
    raw_path: Path | None = None,
    incremental: bool = True,
    sources: list[str] | None = None,
) -> dict[str, Any]:
    """Full load (and an incremental load after a ~1 % ERP change) of ``sources_dir``.

    Returns ``{"full": {...}, "incremental": {...}, "storage_floor": {...}, "peak_memory_mb": ...}``
    where each run has seconds, cpu_seconds, rows, rows_per_s and per source rows / seconds /
    rows_per_s, and the floor is ``storage_floor`` of the loaded file.
    Note: ``incremental`` modifies ``sources_dir/erp.sqlite`` (pass a copy if that matters).
    """
    from ingestion import run_ingest

    sources_dir = Path(sources_dir)
    tmp = None
    if raw_path is None:
        tmp = tempfile.TemporaryDirectory(prefix="lb-bench-")
        raw_path = Path(tmp.name) / "raw.duckdb"
        os.environ.setdefault("LEDGERBRIDGE_DATA_DIR", tmp.name)
    try:
        import dlt  # noqa: F401  (imports are not part of the measurement)

        import ingestion.erp  # noqa: F401
        import ingestion.expense  # noqa: F401
        import ingestion.gl  # noqa: F401

        result: dict[str, Any] = {"sources_dir": str(sources_dir)}
        c0, t0 = _cpu(), time.perf_counter()
        full = run_ingest(sources, sources_dir=sources_dir, raw_path=raw_path)
        result["full"] = _summary(full, time.perf_counter() - t0, _cpu() - c0)
        if incremental:
            result["changed_rows"] = touch_one_percent(sources_dir)
            c0, t0 = _cpu(), time.perf_counter()
            inc = run_ingest(sources, sources_dir=sources_dir, raw_path=raw_path)
            result["incremental"] = _summary(inc, time.perf_counter() - t0, _cpu() - c0)
        result["storage_floor"] = storage_floor(raw_path, sources)
        result["peak_memory_mb"] = round(_peak_mb())
        return result
    finally:
        if tmp is not None:
            tmp.cleanup()
