"""Run the ingestion: one dlt pipeline per source into ``data/raw.duckdb``, a quarantine table per
source, and a run log (``ops.run_log``) row per source and table.

Per source: where each table's read starts (``ingestion.cursors``), the key snapshots that are due
(``ingestion.deletions``), the extraction (``erp`` / ``gl`` / ``expense``), the quarantine and the
tables that got no rows yet (``ingestion.raw_tables``), the load, then the post-load integrity
steps on the same connection (``ingestion.integrity``).

A failing source is recorded in the run log, its pending load packages are dropped (so the next
run is not blocked, and nothing of a half-read source loads), the other sources still load, and
``run_ingest`` finally raises ``SourceError`` naming the failed source.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pyarrow as pa

from ingestion import ops_tables
from ingestion.config import IngestConfig, TableSpec
from ingestion.context import RunContext, SourceReadError
from ingestion.cursors import CursorStart, cursor_start
from ingestion.deletions import due
from ingestion.integrity import DEFAULT_MAX_DELETE_SHARE, after_load, ensure_deleted_at
from ingestion.raw_tables import empty_tables, quarantine_id, quarantine_resource
from ledgerbridge.errors import LedgerbridgeError, SourceError
from ledgerbridge.paths import pipelines_dir
from ledgerbridge.paths import raw_path as default_raw_path
from ledgerbridge.paths import sources_dir as default_sources_dir

Progress = Callable[[str, int], None]
__all__ = ["IngestReport", "SourceResult", "TableResult", "quarantine_id", "run_ingest"]


@dataclass
class TableResult:
    source: str
    table: str
    rows: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    status: str = "success"
    error: str | None = None
    deleted: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class SourceResult:
    source: str
    status: str = "success"
    seconds: float = 0.0
    error: str | None = None
    tables: list[TableResult] = field(default_factory=list)
    load_id: str | None = None

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def quarantined(self) -> int:
        return sum(t.quarantined for t in self.tables)

    @property
    def warnings(self) -> list[str]:
        return [w for t in self.tables for w in t.warnings]


@dataclass
class IngestReport:
    run_id: str
    raw_path: Path
    sources: list[SourceResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def tables(self) -> list[TableResult]:
        return [t for s in self.sources for t in s.tables]

    @property
    def ok(self) -> bool:
        return all(s.status == "success" for s in self.sources)

    def source(self, name: str) -> SourceResult:
        return next(s for s in self.sources if s.source == name)

    @property
    def warnings(self) -> list[str]:
        """What an operator must look at although the run succeeded (held-back files ...)."""
        return [w for s in self.sources for w in s.warnings]


def _one_line(exc: BaseException) -> str:
    """The innermost meaningful message of a (dlt-wrapped) exception, on one line, naming the
    table (resource) it came from when the message itself does not."""
    seen = set()
    cur: BaseException | None = exc
    best = exc
    resource = None
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        resource = resource or getattr(cur, "resource_name", None)
        if isinstance(cur, SourceReadError | LedgerbridgeError):
            best = cur
            break
        best = cur
        cur = cur.__cause__ or cur.__context__ or getattr(cur, "exception", None)
    text = " ".join((str(best) or type(best).__name__).split())
    if type(best).__name__ == "NoSuchTableError":  # SQLAlchemy names only the table
        return f"table {text} not found in the database (source_table / schema in the configuration?)"
    if not isinstance(best, SourceReadError | LedgerbridgeError):
        text = f"{type(best).__name__}: {text}" if type(best).__name__ not in text else text
        table = str(resource).removesuffix("__rows").removesuffix("__files") if resource else None
        if table and table not in text:
            text = f"{table}: {text}"
    return text[:500]


@contextlib.contextmanager
def expense_endpoint(cfg: IngestConfig, sources_dir: Path, token: str) -> Iterator[str]:
    """The configured expense base URL, or the demo server started in-process for this run."""
    base_url = cfg.value("expense", "base_url")
    if base_url:
        yield str(base_url)
        return
    if not (sources_dir / "expense").is_dir():
        raise SourceReadError(f"no expense base_url configured and no demo data in {sources_dir / 'expense'}")
    from ledgerbridge.expense_api import running_server

    with running_server(sources_dir, token=token) as server:
        yield server.base_url


def expense_token(cfg: IngestConfig) -> str:
    """The expense API's bearer token (env LEDGERBRIDGE_EXPENSE_TOKEN, the configuration, or the demo's)."""
    return str(os.environ.get("LEDGERBRIDGE_EXPENSE_TOKEN") or cfg.value("expense", "token") or "demo-token")


def erp_url(cfg: IngestConfig, sources_dir: Path) -> str:
    """The ERP's SQLAlchemy URL: configured, else the demo database in the sources folder."""
    url = cfg.value("erp", "url")
    if url:
        return str(url)
    path = sources_dir / "erp.sqlite"
    if not path.is_file():
        raise SourceReadError(
            f"ERP database not found: {path} (run `ledgerbridge simulate` or set sources.erp.url)"
        )
    return f"sqlite:///{path}"


def gl_url(cfg: IngestConfig, sources_dir: Path) -> tuple[str, str]:
    """The GL export folder (configured, else ``<sources>/gl``) and the name errors call it by."""
    url = cfg.value("finance", "bucket_url")
    if url:
        url = str(url)
        return url, url.rstrip("/").rsplit("/", 1)[-1]
    return str(sources_dir / "gl"), "gl"


def _pipeline(source: str, cfg: IngestConfig, raw: Path, con: duckdb.DuckDBPyConnection) -> Any:
    dataset = cfg.value(source, "dataset", f"raw_{source}")
    pdir = pipelines_dir()
    # one state folder per raw file: two warehouses never share incremental cursors
    tag = hashlib.sha1(str(raw.resolve()).encode()).hexdigest()[:8]
    # dlt gets an open connection it does not own: its pool would otherwise open and close (and so
    # checkpoint) the file every time its loader threads' borrows drop to zero - seconds per run
    pipeline = dlt.pipeline(
        pipeline_name=f"ledgerbridge_{source}_{tag}",
        pipelines_dir=str(pdir),
        destination=dlt.destinations.duckdb(con),
        dataset_name=dataset,
    )
    # A raw file that never saw this source (new, or deleted and rebuilt at the same path) must get
    # a full load: local incremental cursors from an earlier file would skip every old row.
    loaded_before = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [dataset, "_dlt_pipeline_state"],
    ).fetchone()[0]
    return pipeline if loaded_before else pipeline.drop()


def _drop_pending(pipeline: Any) -> None:
    """Drop extracted / normalized packages a failed run left behind (they would block the next)."""
    if pipeline.has_pending_data:
        abort = getattr(pipeline, "abort_packages", None) or pipeline.drop_pending_packages
        abort()


def _extract(
    source: str,
    cfg: IngestConfig,
    ctx: RunContext,
    specs: list[TableSpec],
    sources_dir: Path,
    pipeline: Any,
    con: Any,
) -> tuple[dict[str, pa.Table], list[Any]]:
    """Extract one source's tables; returns the key snapshots taken for the deletion check and
    (GL) the accepted removals of files no longer in the folder."""
    at = ops_tables.now()
    # a table read in full this time (nothing loaded before) has nothing to compare yet
    checked = [s for s in specs if ctx.starts[s.name].value is not None and due(con, cfg, source, s, at)]
    if source == "erp":
        from ingestion.deletions import missed_keys
        from ingestion.erp import erp_keys, erp_resources

        url = erp_url(cfg, sources_dir)
        # the keys first: the rows an incremental read would skip are read by key this time
        snapshots = erp_keys(url, cfg, checked)
        dataset = cfg.value(source, "dataset", f"raw_{source}")
        for spec in checked:
            missed, ctx.restored[spec.name] = missed_keys(con, dataset, spec, snapshots[spec.name])
            if missed is None:
                ctx.starts[spec.name] = CursorStart()  # so many: read the table in full
            else:
                ctx.starts[spec.name].missed = missed
        pipeline.extract(erp_resources(cfg, ctx, url))
        return snapshots, []
    if source == "finance":
        from ingestion.gl import gl_resources
        from ingestion.gl_files import loaded_versions, vanished

        url, root = gl_url(cfg, sources_dir)
        ctx.files = loaded_versions(con)
        pipeline.extract(gl_resources(cfg, ctx, url, root))
        return {}, vanished(ctx, specs, root)
    if source == "expense":
        from ingestion.expense import collected_keys, expense_resources

        token = expense_token(cfg)
        for spec in checked:  # the key snapshot of an API is a full read: one pass does both
            ctx.starts[spec.name] = CursorStart()
            ctx.keys[spec.name] = []
        with expense_endpoint(cfg, sources_dir, token) as base_url:
            pipeline.extract(expense_resources(cfg, ctx, base_url, token))
        return {s.name: collected_keys(s, ctx.keys[s.name]) for s in checked}, []
    raise SourceReadError(f"unknown source {source!r}")


def _run_source(
    source: str,
    cfg: IngestConfig,
    ctx: RunContext,
    sources_dir: Path,
    raw: Path,
    con: duckdb.DuckDBPyConnection,
) -> dict[str, int]:
    """Extract, normalize and load one source, then the post-load integrity steps; returns the
    rows marked deleted per table."""
    pipeline = _pipeline(source, cfg, raw, con)
    _drop_pending(pipeline)  # never retry a stale package from a crashed run
    ops_tables.ensure(con)
    dataset = cfg.value(source, "dataset", f"raw_{source}")
    specs = cfg.tables(source)
    ensure_deleted_at(con, dataset, specs)
    overlap = dt.timedelta(seconds=float(cfg.value(source, "cursor_overlap_seconds", 60)))
    ctx.starts = {s.name: cursor_start(con, dataset, s, overlap) for s in specs}
    if source == "finance":
        ctx.columns = {s.name: list(s.kinds) for s in specs}
    try:
        snapshots, removals = _extract(source, cfg, ctx, specs, sources_dir, pipeline, con)
        # normalized before the second package is extracted, so both share one schema version
        pipeline.normalize()
        missing = empty_tables(con, dataset, specs, dict(ctx.rows), ctx.columns)
        # the quarantine even when empty: every table the warehouse reads must exist
        pipeline.extract([*missing, quarantine_resource(ctx.quarantine)])
        pipeline.normalize()
        info = pipeline.load()
        info.raise_on_failed_jobs()
    except BaseException:
        with contextlib.suppress(Exception):
            _drop_pending(pipeline)
        raise
    load_ids = list(info.loads_ids)  # one package per extract call
    share = float(cfg.value(source, "delete_check_max_share", DEFAULT_MAX_DELETE_SHARE))
    return after_load(con, source, dataset, specs, ctx, load_ids, snapshots, removals, share)


def run_ingest(
    sources: list[str] | None = None,
    *,
    sources_dir: Path | None = None,
    raw_path: Path | None = None,
    progress: Progress | None = None,
    accept_files: list[str] | None = None,
) -> IngestReport:
    """Load the given sources (default: all configured) into the raw DuckDB file.

    ``progress(step, rows)`` is called once per loaded table and once per source.
    ``accept_files``: GL files (glob patterns over their path in the folder) whose new version
    is applied although it breaks a promise (shrunk, unbalanced, total row, removed).
    Raises SourceError (one line naming the source) if any source failed; the report is on
    the exception as ``.report``.
    """
    cfg = IngestConfig.load()
    names = list(sources or cfg.source_order)
    for name in names:
        cfg.source(name)  # unknown source -> clear error before anything runs
    sdir = Path(sources_dir or default_sources_dir()).expanduser()
    raw = Path(raw_path or default_raw_path()).expanduser()
    raw.parent.mkdir(parents=True, exist_ok=True)
    report = IngestReport(run_id=uuid.uuid4().hex[:12], raw_path=raw)
    accept = [*_config_accept(cfg), *(accept_files or [])]
    t_run = time.perf_counter()
    failures: list[SourceError] = []
    for name in names:
        ctx = RunContext(name, run_id=report.run_id, accept=accept)
        started = ops_tables.now()
        t0 = time.perf_counter()
        result = SourceResult(name)
        # one connection per source run: dlt's loader threads share it, the run log reuses it,
        # and closing it is the one checkpoint of the run
        con = duckdb.connect(str(raw))
        deleted: dict[str, int] = {}
        try:
            deleted = _run_source(name, cfg, ctx, sdir, raw, con)
        except KeyboardInterrupt:
            con.close()
            raise
        except BaseException as exc:
            result.status = "failed"
            result.error = _one_line(exc)
        result.seconds = time.perf_counter() - t0
        ended = ops_tables.now()
        log_rows = []
        if result.status == "success":
            for spec in cfg.tables(name):
                t = spec.name
                tr = TableResult(name, t, ctx.rows[t], ctx.quarantined[t], ctx.seconds[t])
                tr.deleted = deleted.get(t, 0)
                tr.warnings = [m for table, m in ctx.warnings if table == t]
                result.tables.append(tr)
                log_rows.append(
                    (
                        report.run_id,
                        name,
                        t,
                        started,
                        ended,
                        "success",
                        tr.rows,
                        tr.quarantined,
                        None,
                        tr.seconds,
                        tr.deleted,
                        "; ".join(tr.warnings) or None,
                    )
                )
                if progress:
                    progress(f"{name}.{t}", tr.rows)
        else:
            log_rows.append(
                (
                    report.run_id,
                    name,
                    None,
                    started,
                    ended,
                    "failed",
                    0,
                    0,
                    result.error,
                    result.seconds,
                    0,
                    None,
                )
            )
            failures.append(SourceError(name, result.error or "failed"))
        try:
            ops_tables.write_run_log(con, log_rows)
        finally:
            con.close()
        result.seconds = time.perf_counter() - t0  # with the closing checkpoint
        report.sources.append(result)
    report.seconds = time.perf_counter() - t_run
    if failures:
        first = failures[0]
        if len(failures) > 1:
            others = ", ".join(f.source for f in failures[1:])
            first = SourceError(first.source, f"{str(first).split(': ', 1)[1]} (also failed: {others})")
        first.report = report  # type: ignore[attr-defined]
        raise first
    return report


def _config_accept(cfg: IngestConfig) -> list[str]:
    """``accept_changes`` in ``[sources.finance]`` (a list, or comma-separated in the env var)."""
    value = cfg.value("finance", "accept_changes", []) if "finance" in cfg.raw.get("sources", {}) else []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)
