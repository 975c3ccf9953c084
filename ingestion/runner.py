"""Run the ingestion: one dlt pipeline per source into ``data/raw.duckdb``, a quarantine table per
source, and a run log (``ops.run_log``) row per source and table.

A failing source is recorded in the run log, its pending load packages are dropped (so the next
run is not blocked), the other sources still load, and ``run_ingest`` finally raises
``SourceError`` naming the failed source.
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

from ingestion.config import IngestConfig
from ingestion.context import RunContext, SourceReadError
from ledgerbridge.errors import LedgerbridgeError, SourceError
from ledgerbridge.paths import pipelines_dir
from ledgerbridge.paths import raw_path as default_raw_path
from ledgerbridge.paths import sources_dir as default_sources_dir

Progress = Callable[[str, int], None]

RUN_LOG_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.run_log (
    run_id VARCHAR, source VARCHAR, table_name VARCHAR, started_at TIMESTAMP, ended_at TIMESTAMP,
    status VARCHAR, rows_loaded BIGINT, rows_quarantined BIGINT, error VARCHAR, seconds DOUBLE
);
"""

QUARANTINE_COLUMNS = {
    "quarantine_id": {"data_type": "text"},
    "source_name": {"data_type": "text"},
    "table_name": {"data_type": "text"},
    "source_location": {"data_type": "text"},
    "record_key": {"data_type": "text"},
    "reason": {"data_type": "text"},
    "raw_record": {"data_type": "text"},
    "quarantined_at": {"data_type": "timestamp", "timezone": False},
}


@dataclass
class TableResult:
    source: str
    table: str
    rows: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    status: str = "success"
    error: str | None = None


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


def quarantine_id(rec: dict[str, Any]) -> str:
    """Stable key of a quarantined row (not its location: an API page URL changes between runs)."""
    text = "\x1f".join(
        str(rec[k]) for k in ("source_name", "table_name", "record_key", "reason", "raw_record")
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _quarantine_resource(records: list[dict[str, Any]]) -> Any:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    seen: dict[str, dict[str, Any]] = {}
    for r in records:
        seen.setdefault(quarantine_id(r), r)
    table = pa.table(
        {
            "quarantine_id": pa.array(list(seen), pa.string()),  # marked not-null below
            **{
                c: pa.array([r[c] for r in seen.values()], pa.string())
                for c in (
                    "source_name",
                    "table_name",
                    "source_location",
                    "record_key",
                    "reason",
                    "raw_record",
                )
            },
            "quarantined_at": pa.array([now] * len(seen), pa.timestamp("us")),
        }
    )
    table = table.cast(table.schema.set(0, table.schema.field(0).with_nullable(False)))
    return dlt.resource(
        table,
        name="quarantine",
        write_disposition="merge",
        primary_key="quarantine_id",
        columns=QUARANTINE_COLUMNS,
    )


def _one_line(exc: BaseException) -> str:
    """The innermost meaningful message of a (dlt-wrapped) exception, on one line."""
    seen = set()
    cur: BaseException | None = exc
    best = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, SourceReadError | LedgerbridgeError):
            best = cur
            break
        best = cur
        cur = cur.__cause__ or cur.__context__ or getattr(cur, "exception", None)
    text = str(best) or type(best).__name__
    return " ".join(text.split())[:500]


def _http_message(exc: BaseException, source: str) -> str | None:
    """A clear line for HTTP / connection failures of the expense API."""
    import requests

    cur: BaseException | None = exc
    while cur is not None:
        if isinstance(cur, requests.HTTPError) and cur.response is not None:
            r = cur.response
            url = r.url.split("?")[0]
            if r.status_code == 401:
                return (
                    f"401 Unauthorized from {url}: the API refused the bearer token "
                    f"(set sources.{source}.token in .dlt/secrets.toml or SOURCES__EXPENSE__TOKEN)"
                )
            body = ""
            with contextlib.suppress(Exception):
                body = r.json().get("error", "")
            return f"HTTP {r.status_code} from {url}" + (f": {body}" if body else "")
        if isinstance(cur, requests.ConnectionError):
            return f"cannot connect to the API: {' '.join(str(cur).split())[:200]}"
        cur = cur.__cause__ or cur.__context__
    return None


@contextlib.contextmanager
def _expense_endpoint(cfg: IngestConfig, sources_dir: Path, token: str) -> Iterator[str]:
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


def _token(cfg: IngestConfig) -> str:
    return str(os.environ.get("LEDGERBRIDGE_EXPENSE_TOKEN") or cfg.value("expense", "token") or "demo-token")


def _erp_url(cfg: IngestConfig, sources_dir: Path) -> str:
    url = cfg.value("erp", "url")
    if url:
        return str(url)
    path = sources_dir / "erp.sqlite"
    if not path.is_file():
        raise SourceReadError(
            f"ERP database not found: {path} (run `ledgerbridge simulate` or set sources.erp.url)"
        )
    return f"sqlite:///{path}"


def _gl_url(cfg: IngestConfig, sources_dir: Path) -> tuple[str, str]:
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


def _run_source(
    source: str,
    cfg: IngestConfig,
    ctx: RunContext,
    sources_dir: Path,
    raw: Path,
    con: duckdb.DuckDBPyConnection,
) -> str | None:
    """Extract, normalize and load one source; returns the load id."""
    pipeline = _pipeline(source, cfg, raw, con)
    _drop_pending(pipeline)  # never retry a stale package from a crashed run
    try:
        if source == "erp":
            from ingestion.erp import erp_resources

            pipeline.extract(erp_resources(cfg, ctx, _erp_url(cfg, sources_dir)))
        elif source == "finance":
            from ingestion.gl import gl_resources

            url, root = _gl_url(cfg, sources_dir)
            pipeline.extract(gl_resources(cfg, ctx, url, root))
        elif source == "expense":
            from ingestion.expense import expense_resources

            token = _token(cfg)
            with _expense_endpoint(cfg, sources_dir, token) as base_url:
                pipeline.extract(expense_resources(cfg, ctx, base_url, token))
        else:
            raise SourceReadError(f"unknown source {source!r}")
        if ctx.quarantine:
            pipeline.extract(_quarantine_resource(ctx.quarantine))
        pipeline.normalize()
        info = pipeline.load()
        info.raise_on_failed_jobs()
        return info.loads_ids[-1] if info.loads_ids else None
    except BaseException:
        with contextlib.suppress(Exception):
            _drop_pending(pipeline)
        raise


def _write_run_log(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    con.execute(RUN_LOG_DDL)
    con.executemany("INSERT INTO ops.run_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def run_ingest(
    sources: list[str] | None = None,
    *,
    sources_dir: Path | None = None,
    raw_path: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Load the given sources (default: all configured) into the raw DuckDB file.

    ``progress(step, rows)`` is called once per loaded table and once per source.
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
    t_run = time.perf_counter()
    failures: list[SourceError] = []
    for name in names:
        ctx = RunContext(name)
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        t0 = time.perf_counter()
        result = SourceResult(name)
        # one connection per source run: dlt's loader threads share it, the run log reuses it,
        # and closing it is the one checkpoint of the run
        con = duckdb.connect(str(raw))
        try:
            result.load_id = _run_source(name, cfg, ctx, sdir, raw, con)
        except KeyboardInterrupt:
            con.close()
            raise
        except BaseException as exc:
            result.status = "failed"
            result.error = _http_message(exc, name) or _one_line(exc)
        result.seconds = time.perf_counter() - t0
        ended = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        table_names = [s.name for s in cfg.tables(name)]
        log_rows = []
        if result.status == "success":
            for t in table_names:
                tr = TableResult(name, t, ctx.rows[t], ctx.quarantined[t], ctx.seconds[t])
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
                    )
                )
                if progress:
                    progress(f"{name}.{t}", tr.rows)
        else:
            log_rows.append(
                (report.run_id, name, None, started, ended, "failed", 0, 0, result.error, result.seconds)
            )
            failures.append(SourceError(name, result.error or "failed"))
        try:
            _write_run_log(con, log_rows)
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
