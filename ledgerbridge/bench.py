"""``ledgerbridge bench``: time a full run at a data scale, stage by stage.

Each stage runs in its own Python subprocess so that its peak memory (max RSS,
from ``os.wait4``) is its own. Stages:

- ``simulate`` — the demo sources into ``data/bench/scale-<K>/sources``;
- ``ingest``   — ``ingestion.run_ingest`` into that folder's ``raw.duckdb``;
- ``run``      — ``ledgerbridge.refresh.refresh`` (ingest → dbt build → publish);
- ``recon``    — the reconciliation scorecard against the ground truth;
- ``app``      — ``app.lib.timing.measure_pages`` (median query time per page).

A stage whose code is not importable in this build is reported as skipped; a
stage that fails is reported with its one-line error and later stages that
need its output are skipped. Results go to ``data/bench/results-<K>.json``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ledgerbridge.paths import data_dir

STAGES = ("simulate", "ingest", "run", "recon", "app")
DEFAULT_STAGES = STAGES

#: stage -> candidate (module, function) pairs; the first importable one is used
ENTRY_POINTS: dict[str, tuple[tuple[str, str], ...]] = {
    "simulate": (("ledgerbridge.simulator", "simulate"),),
    "ingest": (("ingestion.bench", "measure"),),
    "run": (("ledgerbridge.refresh", "refresh"), ("ledgerbridge", "refresh")),
    "recon": (("ledgerbridge.recon", "score"), ("ledgerbridge.scorecard", "score")),
    "app": (("app.lib.timing", "measure_pages"),),
}
#: what a stage needs from earlier stages (skipped when that failed)
NEEDS = {"ingest": "simulate", "run": "simulate", "recon": "run", "app": "run"}


@dataclass
class StageResult:
    stage: str
    status: str  # ok | failed | skipped
    seconds: float = 0.0
    rows: int = 0
    rows_per_second: float = 0.0
    peak_memory_mb: float = 0.0
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class BenchResult:
    scale: float
    seed: int
    folder: str
    started_at: str
    machine: dict[str, Any]
    stages: list[StageResult]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


def bench_dir(scale: float) -> Path:
    """``data/bench/scale-<K>`` (K without a trailing .0)."""
    return data_dir() / "bench" / f"scale-{scale:g}"


def parse_stages(text: str | None) -> list[str]:
    """``"simulate,ingest"`` -> the stages in run order; unknown names are an error."""
    if not text:
        return list(DEFAULT_STAGES)
    wanted = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in STAGES]
    if unknown:
        from ledgerbridge.errors import LedgerbridgeError

        raise LedgerbridgeError(
            f"--stages: unknown stage(s) {', '.join(unknown)} (choose from {', '.join(STAGES)})"
        )
    return [s for s in STAGES if s in wanted]


def available(stage: str) -> tuple[str, str] | None:
    """The (module, function) that implements a stage in this build, or None."""
    for module, func in ENTRY_POINTS[stage]:
        try:
            mod = importlib.import_module(module)
        except Exception:  # not written yet, or broken: the stage is skipped
            continue
        if callable(getattr(mod, func, None)):
            return module, func
    return None


# --- inside the stage subprocess ----------------------------------------------------------------------


class _Unavailable(Exception):
    """The stage's code is not importable in this build."""


def _call(stage: str, folder: Path, scale: float, seed: int) -> dict[str, Any]:
    """Run one stage in this process; returns {"rows": n, "extra": {...}}."""
    entry = available(stage)
    if entry is None:
        raise _Unavailable("not available in this build")
    fn: Callable[..., Any] = getattr(importlib.import_module(entry[0]), entry[1])
    sources, raw, warehouse = folder / "sources", folder / "raw.duckdb", folder / "warehouse.duckdb"
    if stage == "simulate":
        from ledgerbridge.simulator import SimulationConfig

        summary = fn(SimulationConfig(seed=seed, scale=scale, out=sources))
        return {"rows": sum(summary.tables.values()), "extra": {"tables": summary.tables}}
    if stage == "ingest":
        # A full load, then an incremental one after a 1 % change, per source. On a copy: the change
        # edits the ERP file, and the sources must stay as the ground truth describes them.
        copy = folder / "ingest-bench"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(sources, copy / "sources")
        try:
            figures = fn(copy / "sources", raw_path=copy / "raw.duckdb")
        finally:
            shutil.rmtree(copy, ignore_errors=True)
        return {"rows": int(figures["full"]["rows"]), "extra": {"measure": figures}}
    if stage == "run":
        raw.unlink(missing_ok=True)  # the full run from empty sources, ingest included
        result = fn(sources_dir=sources, raw=raw, warehouse=warehouse)
        layers = dict(getattr(result, "rows_per_layer", {}) or {})
        return {
            "rows": sum(layers.values()),
            "extra": {
                "rows_per_layer": layers,
                "tests": dict(getattr(result, "tests", {}) or {}),
                "step_seconds": dict(getattr(result, "step_seconds", {}) or {}),
                "dbt_folder_seconds": dict(getattr(result, "folder_seconds", {}) or {}),
            },
        }
    if stage == "recon":
        card = fn(warehouse, sources / "ground_truth.parquet")
        per_anomaly = getattr(card, "per_anomaly", None)
        planted = int(per_anomaly["planted"].sum()) if per_anomaly is not None and len(per_anomaly) else 0
        extra = {
            k: getattr(card, k)
            for k in (
                "auto_match_rate_count",
                "auto_match_rate_amount",
                "proposals",
                "unbalanced_proposals",
                "unposted",
            )
            if hasattr(card, k)
        }
        return {"rows": planted, "extra": extra}
    if stage == "app":
        pages = fn(warehouse)
        return {
            "rows": len(pages),
            "extra": {
                "page_seconds": {k: round(v, 4) for k, v in pages.items()},
                "slowest_page_seconds": round(max(pages.values(), default=0), 4),
            },
        }
    raise ValueError(stage)


def _child_main(argv: list[str]) -> None:
    """Entry of a stage subprocess: ``python -m ledgerbridge.bench STAGE FOLDER SCALE SEED RESULT``."""
    stage, folder, scale, seed, result = argv
    folder_path = Path(folder)
    folder_path.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        out = _call(stage, folder_path, float(scale), int(seed))
        out["status"] = "ok"
    except _Unavailable as exc:
        out = {"status": "skipped", "rows": 0, "detail": str(exc)}
    except Exception as exc:  # reported by the parent as the stage's one-line error
        out = {
            "status": "failed",
            "rows": 0,
            "detail": " ".join(f"{type(exc).__name__}: {exc}".split())[:300],
        }
    out["seconds"] = time.perf_counter() - t0
    Path(result).write_text(json.dumps(out, default=str), encoding="utf-8")


# --- the parent -------------------------------------------------------------------------------------------


def _run_stage(stage: str, folder: Path, scale: float, seed: int) -> StageResult:
    with tempfile.TemporaryDirectory() as tmp:
        result_file = Path(tmp) / "result.json"
        env = dict(os.environ)
        env.setdefault("LEDGERBRIDGE_DATA_DIR", str(folder))  # run lock and run log stay in the bench folder
        cmd = [
            sys.executable,
            "-m",
            "ledgerbridge.bench",
            stage,
            str(folder),
            repr(scale),
            str(seed),
            str(result_file),
        ]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stderr = proc.stderr.read() if proc.stderr else b""
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
        if not result_file.exists():
            tail = stderr.decode(errors="replace").strip().splitlines()[-1:] or [
                f"exit code {proc.returncode}"
            ]
            return StageResult(stage, "failed", wall, peak_memory_mb=peak_mb, detail=tail[0][:300])
        data = json.loads(result_file.read_text(encoding="utf-8"))
    seconds = float(data.get("seconds", wall))
    rows = int(data.get("rows", 0))
    return StageResult(
        stage,
        data["status"],
        seconds,
        rows,
        rows / seconds if seconds > 0 else 0.0,
        peak_mb,
        data.get("detail", ""),
        data.get("extra", {}),
    )


def run_bench(
    scale: float,
    stages: list[str] | None = None,
    seed: int = 42,
    on_stage: Callable[[StageResult], None] | None = None,
) -> tuple[BenchResult, Path]:
    """Run the stages at a scale; returns the result and the JSON file it was written to."""
    report = on_stage or (lambda r: None)
    folder = bench_dir(scale)
    folder.mkdir(parents=True, exist_ok=True)
    results: list[StageResult] = []
    status: dict[str, str] = {}
    for stage in stages or list(DEFAULT_STAGES):
        need = NEEDS.get(stage)
        if need and status.get(need) == "failed":
            res = StageResult(stage, "skipped", detail=f"{need} failed")
        else:  # availability is checked in the subprocess: importing the stages here would cost memory
            res = _run_stage(stage, folder, scale, seed)
        status[stage] = res.status
        results.append(res)
        report(res)
    bench = BenchResult(
        scale=scale,
        seed=seed,
        folder=str(folder),
        started_at=dt.datetime.now().isoformat(timespec="seconds"),
        machine={
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        stages=results,
    )
    path = folder.parent / f"results-{scale:g}.json"
    path.write_text(bench.to_json() + "\n", encoding="utf-8")
    return bench, path


def detail_rows(result: BenchResult) -> list[list[Any]]:
    """The figures the targets are stated in: per-source rows/s (and the storage floor under them),
    incremental seconds, seconds per refresh step and per dbt folder, reconciliation figures and page
    query times."""
    rows: list[list[Any]] = []
    for stage in result.stages:
        extra = stage.extra or {}
        m = extra.get("measure") or {}
        for run in ("full", "incremental"):
            part = m.get(run) or {}
            if part:
                rows.append(
                    [
                        f"ingest {run}",
                        "seconds (cpu)",
                        f"{part.get('seconds', 0):.2f} ({part.get('cpu_seconds', 0):.2f})",
                    ]
                )
            for source, fig in (part.get("sources") or {}).items():
                rows.append(
                    [
                        f"ingest {run} · {source}",
                        "rows/s",
                        f"{fig.get('rows_per_s') or 0:,.0f} "
                        f"({fig.get('rows', 0):,} rows in {fig.get('seconds', 0):.2f}s)",
                    ]
                )
        for source, fig in (m.get("storage_floor") or {}).items():
            rows.append(
                [
                    f"ingest floor · {source}",
                    "rows/s",
                    f"DuckDB alone: write {fig['write_rows_per_s'] or 0:,.0f} ({fig['write_seconds']:.2f}s), "
                    f"merge {fig['merge_rows_per_s'] or 0:,.0f} ({fig['merge_seconds']:.2f}s)",
                ]
            )
        for step, sec in (extra.get("step_seconds") or {}).items():
            rows.append([f"run · {step}", "seconds", f"{sec:.2f}"])
        for folder, sec in sorted((extra.get("dbt_folder_seconds") or {}).items()):
            rows.append([f"dbt · {folder}", "node seconds", f"{sec:.2f}"])
        for key in ("auto_match_rate_count", "auto_match_rate_amount"):
            if key in extra:
                rows.append([f"recon · {key}", "share", f"{extra[key]:.2%}"])
        for key in ("proposals", "unbalanced_proposals", "unposted"):
            if key in extra:
                rows.append([f"recon · {key}", "count", f"{extra[key]:,}"])
        for page, sec in (extra.get("page_seconds") or {}).items():
            rows.append([f"app · {page}", "median query seconds", f"{sec:.3f}"])
    return rows


if __name__ == "__main__":  # the stage subprocess
    _child_main(sys.argv[1:])
