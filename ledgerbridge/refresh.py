"""The refresh run behind ``ledgerbridge run``: ingest -> dbt build -> publish.

- The run lock (``ledgerbridge.runlock``, ``fcntl.flock``) refuses a second run while one
  is going; a run that died without finishing (SIGKILL, power loss) is marked failed in the
  run log when the next run takes the lock.
- dbt builds into a fresh work file (``<warehouse dir>/.build/<warehouse name>``)
  with the raw file attached read-only; the published file is never opened
  for writing, so readers (the app, analysts) never block a run and never see
  a half-built warehouse.
- The work file is published with ``os.replace`` only when ingestion and every
  dbt test succeeded (warnings allowed). A failed run leaves the published
  warehouse untouched; the run log (``ledgerbridge.runlog``) says which step
  failed and why.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledgerbridge import profile, runlog
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import PROJECT_ROOT, raw_path, warehouse_path
from ledgerbridge.runlock import RunLockedError, lock_path, run_lock  # noqa: F401  (re-exported)

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
#: Warehouse schemas reported as layers in the run summary, in build order.
LAYERS = ("seeds", "staging", "intermediate", "core", "finance", "reconciliation", "vouchers", "monitoring")


class RefreshError(LedgerbridgeError):
    """A step of the run failed; ``result`` has the details (nothing was published)."""

    def __init__(self, message: str, result: RefreshResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class StepResult:
    """One step of a run."""

    name: str
    status: str = "success"  # success | failed | skipped
    seconds: float = 0.0
    rows: int | None = None
    error: str | None = None
    detail: str | None = None


@dataclass
class RefreshResult:
    """What a run did."""

    run_id: str
    status: str = "running"
    steps: list[StepResult] = field(default_factory=list)
    rows_per_layer: dict[str, int] = field(default_factory=dict)
    tests: dict[str, int] = field(default_factory=dict)
    failed_nodes: list[dict[str, Any]] = field(default_factory=list)
    #: dbt node seconds per model folder (e.g. "marts/reconciliation"), seeds and tests included
    folder_seconds: dict[str, float] = field(default_factory=dict)
    published_path: Path | None = None
    seconds: float = 0.0
    #: what an operator must look at although the run succeeded (held-back GL files ...)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def step_seconds(self) -> dict[str, float]:
        """Seconds per step (``ingest``, ``dbt``, ``publish``), e.g. for benchmarks."""
        return {s.name: s.seconds for s in self.steps}

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.name == name), None)

    def summary(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "step_seconds": self.step_seconds,
            "rows_per_layer": self.rows_per_layer,
            "tests": self.tests,
            "published_path": str(self.published_path) if self.published_path else None,
            "warnings": self.warnings,
        }


# --- dbt ---------------------------------------------------------------------


def _dbt_env(work: Path, raw: Path) -> None:
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ["DBT_VERSION_CHECK"] = "false"
    os.environ["LEDGERBRIDGE_DBT_PATH"] = str(work)
    os.environ["LEDGERBRIDGE_RAW_PATH"] = str(raw)
    # the active profile's seeds over the defaults, assembled next to the work file
    os.environ["LEDGERBRIDGE_SEEDS"] = str(profile.assemble_seeds(work.parent / "seeds"))


def _node_results(res: Any) -> list[dict[str, Any]]:
    out = []
    for r in getattr(getattr(res, "result", None), "results", None) or []:
        node = r.node
        status = getattr(r.status, "value", str(r.status))
        out.append(
            {
                "unique_id": node.unique_id,
                "resource_type": getattr(node.resource_type, "value", str(node.resource_type)),
                "node_name": node.name,
                "status": str(status),
                "failures": r.failures,
                "message": (r.message or "")[:2000] if r.message else None,
                "execution_seconds": round(float(r.execution_time or 0.0), 3),
                "folder": (
                    "unit tests"
                    if "unit_test" in node.unique_id.split(".")[0]
                    else "/".join(getattr(node, "fqn", [])[1:-1]) or "tests"
                ),
            }
        )
    return out


def run_dbt(
    work: Path,
    raw: Path,
    *,
    dbt_vars: dict[str, Any] | None = None,
    project_dir: Path = DBT_PROJECT_DIR,
    select: list[str] | None = None,
) -> tuple[bool, list[dict[str, Any]], str | None]:
    """``dbt build`` in-process into ``work`` (only the ``select``ed nodes, when given, on top of
    what ``work`` already holds); returns (success, node results, error)."""
    from dbt.cli.main import dbtRunner

    _dbt_env(work, raw)
    # target and logs next to the work file: concurrent dbt processes (tests, a developer's
    # own `dbt build`) must not overwrite each other's manifest or log
    args = [
        "build",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--quiet",
        "--no-use-colors",
        "--target-path",
        str(work.parent / "dbt_target"),
        "--log-path",
        str(work.parent / "dbt_logs"),
    ]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    if select:
        args += ["--select", *select]
    res = dbtRunner().invoke(args)
    nodes = _node_results(res)
    if res.exception is not None:
        return False, nodes, f"dbt: {res.exception}"
    bad = [n for n in nodes if n["status"] in ("error", "fail", "runtime error")]
    if not res.success or bad:
        names = ", ".join(f"{n['node_name']} ({n['status']})" for n in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        return False, nodes, f"dbt build failed: {names or 'see dbt_project/logs/dbt.log'}{more}"
    return True, nodes, None


def _test_counts(nodes: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for n in nodes:
        if n["resource_type"] in ("test", "unit_test"):
            counts[n["status"]] = counts.get(n["status"], 0) + 1
    return counts


def _finish_work_file(work: Path, run_id: str, nodes: list[dict[str, Any]]) -> dict[str, int]:
    """Write the dbt results into the work file, count rows per layer, CHECKPOINT and close."""
    import duckdb

    con = duckdb.connect(str(work))
    try:
        con.execute("create schema if not exists ops")
        con.execute("""create table if not exists ops.dbt_results (
            run_id varchar, unique_id varchar, resource_type varchar, node_name varchar, status varchar,
            failures integer, message varchar, execution_seconds double, completed_at timestamp)""")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        con.executemany(
            "insert into ops.dbt_results values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    n["unique_id"],
                    n["resource_type"],
                    n["node_name"],
                    n["status"],
                    n["failures"],
                    n["message"],
                    n["execution_seconds"],
                    now,
                )
                for n in nodes
            ],
        )
        rows: dict[str, int] = {}
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall()
        for schema, table in tables:
            if schema in LAYERS:
                n = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
                rows[schema] = rows.get(schema, 0) + int(n)
        con.execute("checkpoint")
    finally:
        con.close()
    return {layer: rows[layer] for layer in LAYERS if layer in rows}


def publish(work: Path, target: Path) -> Path:
    """Atomically replace ``target`` by ``work`` (same folder tree, so a rename).

    Readers holding the old file open keep reading it; new connections see the
    new one. A stale ``<target>.wal`` would be replayed onto the new file: remove it.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    # Before the swap: a reader opening the new file must never find an old log to replay onto it.
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    try:
        os.replace(work, target)
    except OSError:  # different filesystem: copy next to the target first, then rename
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        shutil.copyfile(work, tmp)
        os.replace(tmp, target)
        work.unlink(missing_ok=True)
    return target


# --- the run -----------------------------------------------------------------

StepCallback = Callable[[StepResult], None]
Progress = Callable[[str, int], None]


def refresh(
    *,
    sources_dir: Path | None = None,
    raw: Path | None = None,
    warehouse: Path | None = None,
    skip_ingest: bool = False,
    dbt_vars: dict[str, Any] | None = None,
    on_step: StepCallback | None = None,
    progress: Progress | None = None,
    accept_files: list[str] | None = None,
) -> RefreshResult:
    """Run ingest -> dbt build -> publish under the run lock.

    Returns the result when the warehouse was published; raises RunLockedError
    when another run is going, RefreshError (with ``.result``) when a step failed.
    """
    raw = Path(raw or raw_path())
    target = Path(warehouse or warehouse_path())
    work = target.parent / ".build" / target.name
    report = on_step or (lambda step: None)
    with run_lock():
        result = RefreshResult(run_id=dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6])
        t_run = time.perf_counter()
        runlog.fail_abandoned_runs()  # we hold the lock: a run still 'running' has died
        runlog.start_run(result.run_id)

        def step(name: str, fn: Callable[[StepResult], None]) -> StepResult:
            s = StepResult(name)
            started = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
            t0 = time.perf_counter()
            try:
                fn(s)
            except KeyboardInterrupt:
                s.status, s.error = "failed", "interrupted"
                raise
            except Exception as exc:  # any failure of the step is recorded, then reported
                s.status = "failed"
                s.error = s.error or " ".join((str(exc) or type(exc).__name__).split())
            finally:
                s.seconds = time.perf_counter() - t0
                result.steps.append(s)
                runlog.record_step(
                    result.run_id,
                    name,
                    s.status,
                    started_at=started,
                    seconds=s.seconds,
                    rows=s.rows,
                    error=s.error,
                )
            report(s)
            return s

        def fail(s: StepResult) -> RefreshError:
            result.status = "failed"
            result.seconds = time.perf_counter() - t_run
            runlog.finish_run(
                result.run_id,
                "failed",
                seconds=result.seconds,
                failed_step=s.name,
                error=s.error,
                summary=result.summary(),
            )
            return RefreshError(
                f"{s.name} failed: {s.error}; the published warehouse was left unchanged", result
            )

        # 1. ingest
        def do_ingest(s: StepResult) -> None:
            if skip_ingest:
                s.status, s.detail = "skipped", f"using {raw}"
                if not raw.exists():
                    raise LedgerbridgeError(f"no raw file at {raw}; run without --skip-ingest first")
                return
            from ingestion import run_ingest

            rep = run_ingest(
                sources_dir=sources_dir, raw_path=raw, progress=progress, accept_files=accept_files
            )
            s.rows = sum(src.rows for src in rep.sources)
            quarantined = sum(src.quarantined for src in rep.sources)
            result.warnings = rep.warnings
            held = f", {len(rep.warnings)} warning(s)" if rep.warnings else ""
            s.detail = f"{len(rep.sources)} sources, {quarantined:,} rows quarantined{held}"

        s = step("ingest", do_ingest)
        if s.status == "failed":
            raise fail(s)

        # 2. dbt build into a fresh work file
        def do_dbt(s: StepResult) -> None:
            work.parent.mkdir(parents=True, exist_ok=True)
            for stale in (work, work.with_name(work.name + ".wal")):
                stale.unlink(missing_ok=True)
            ok, nodes, error = run_dbt(work, raw, dbt_vars=dbt_vars)
            result.tests = _test_counts(nodes)
            result.failed_nodes = [n for n in nodes if n["status"] in ("error", "fail", "runtime error")]
            for n in nodes:
                result.folder_seconds[n["folder"]] = round(
                    result.folder_seconds.get(n["folder"], 0.0) + n["execution_seconds"], 3
                )
            runlog.record_dbt_results(result.run_id, nodes)
            if work.exists():
                result.rows_per_layer = _finish_work_file(work, result.run_id, nodes)
            s.rows = sum(result.rows_per_layer.values())
            t = result.tests
            s.detail = (
                f"{len(nodes)} nodes; tests {t.get('pass', 0)} passed, {t.get('warn', 0)} warned, "
                f"{t.get('fail', 0) + t.get('error', 0)} failed"
            )
            if not ok:
                s.error = error
                raise LedgerbridgeError(error or "dbt build failed")

        s = step("dbt", do_dbt)
        if s.status == "failed":
            raise fail(s)

        # 3. publish
        def do_publish(s: StepResult) -> None:
            result.published_path = publish(work, target)
            s.detail = str(result.published_path)

        s = step("publish", do_publish)
        if s.status == "failed":
            raise fail(s)

        result.status = "success"
        result.seconds = time.perf_counter() - t_run
        runlog.finish_run(
            result.run_id,
            "success",
            seconds=result.seconds,
            published_path=str(target),
            summary=result.summary(),
        )
        return result
