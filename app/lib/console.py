"""The analyst SQL console: guard → worker process → result, every query audited.

:func:`run` checks that the user may use the console, rewrites the statement to the
user's org scope (:mod:`app.lib.sql_guard`), and runs it in a fresh worker process
(:mod:`app.lib.console_worker`) with a memory limit, an address-space limit, a timer
that interrupts the query and a hard deadline that kills the process. No two queries
share a DuckDB instance, and none shares one with the pages. Every outcome is a
:class:`ConsoleResult` or a :class:`ConsoleRefused` / :class:`ConsoleFailed` with a
message for the analyst; the text, rows, seconds and outcome go to the audit log.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from app.lib import access, scoping, sql_guard
from app.lib import warehouse as wh
from ledgerbridge.roles import policy

WORKER = Path(__file__).with_name("console_worker.py")
#: Seconds the worker may take to start and to report after its own timer fired.
GRACE_S = 5.0
#: Address space of a worker beyond the query's memory limit: Python, DuckDB, Arrow and thread
#: stacks (``[sql_console] worker_overhead_mb``; a machine with many cores may need more).
WORKER_BASE_MB = 1024
#: How a worker dies when a limit stops it: killed, CPU time, or an allocation that failed hard.
_LIMIT_SIGNALS = (signal.SIGKILL, signal.SIGXCPU, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS)


class ConsoleRefused(ValueError):
    """The console will not run this statement; the message says why, for the analyst."""


class ConsoleFailed(RuntimeError):
    """The statement ran and failed (a wrong column, a type error …); the message says how."""


@dataclass
class ConsoleResult:
    """The first ``row_limit`` rows, whether there were more, seconds, and the SQL that ran."""

    frame: pd.DataFrame
    truncated: bool
    seconds: float
    sql: str


def _memory_mb(value: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|KiB|MiB|GiB)\s*", value or "", re.IGNORECASE)
    if not m:
        raise ValueError(f"bad memory_limit {value!r}")
    factor = {"kb": 1 / 1000, "kib": 1 / 1024, "mb": 1, "mib": 1, "gb": 1000, "gib": 1024}[m.group(2).lower()]
    return max(1, int(float(m.group(1)) * factor))


# --- what the console may read -----------------------------------------------------------


def console_models(ver: wh.Version) -> tuple[sql_guard.Models, scoping.Readable]:
    """Models the console reads: documented in the dbt YAML, in the policy's console schemas,
    and readable (org-filtered, or holding no org's figures)."""
    rels, cols = wh.catalog(ver)
    readable = scoping.readable_models(rels, cols, policy())
    documented = {n for n, d in wh.yaml_docs().items() if d.get("description")}
    schemas = set(policy().console_schemas)
    models: dict[str, list[tuple[str, str]]] = {}
    for schema, name in readable:
        if schema in schemas and name in documented:
            models.setdefault(name.lower(), []).append((schema, name))
    return models, readable


def model_list(ver: wh.Version | None = None) -> list[tuple[str, str]]:
    """(schema, model) pairs the console reads, sorted (for the model browser)."""
    ver = ver or wh.version()
    if ver is None:
        return []
    models, _ = console_models(ver)
    return sorted(p for pairs in models.values() for p in pairs)


# --- running --------------------------------------------------------------------------


def _explain(kind: str, message: str, timeout_s: float, memory_limit: str) -> Exception:
    message = wh.redact(message)
    if kind == "timeout":
        return ConsoleRefused(f"the query ran longer than the {timeout_s:g} s limit and was stopped")
    if kind == "memory":
        return ConsoleRefused(
            f"the query needs more memory than the console allows ({memory_limit}) and was stopped"
        )
    if kind == "external":
        return ConsoleRefused(f"file and network access is disabled in the console ({message})")
    if kind == "refused":
        return ConsoleRefused(message)
    if "lb_" in message:  # speak of models, not of the scoped views
        message = re.sub(r'"?lb_[a-z0-9_]+?__([a-z0-9_]+)"?', r"\1", message)
    return ConsoleFailed(message)


def run_worker(
    path: str | Path,
    guarded: sql_guard.Guarded,
    ddls: dict[str, str],
    *,
    row_limit: int = 10000,
    timeout_s: float = 10.0,
    memory_limit: str = "512MB",
    threads: int = 2,
    kill_after_s: float | None = None,
    overhead_mb: int = WORKER_BASE_MB,
) -> ConsoleResult:
    """Run a guarded statement in a new worker process; kill it at ``kill_after_s``
    (default: ``timeout_s`` + :data:`GRACE_S`)."""
    request = {
        "path": str(path),
        "sql": guarded.sql,
        "views": ddls,
        "table_functions": sorted(sql_guard.ALLOWED_TABLE_FUNCTIONS),
        "denied": sql_guard.DENIED_FUNCTION.pattern,
        "row_limit": int(row_limit),
        "timeout_s": float(timeout_s),
        "memory_limit": memory_limit,
        "threads": int(threads),
        "address_space_mb": _memory_mb(memory_limit) + int(overhead_mb),
        "cpu_seconds": int(timeout_s * max(1, threads) + GRACE_S * 2),
    }
    deadline = kill_after_s if kill_after_s is not None else timeout_s + GRACE_S
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR")}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-I", "-B", str(WORKER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # its own process group: the kill reaches everything it started
    )
    try:
        out, _ = proc.communicate(json.dumps(request).encode("utf-8"), timeout=deadline)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise ConsoleRefused(f"the query ran longer than the {timeout_s:g} s limit and was stopped") from None
    header, _, body = out.partition(b"\n")
    try:
        head: dict[str, Any] = json.loads(header) if header else {}
    except ValueError:
        head = {}
    if not head:  # the process died without a word: killed by a limit
        if proc.returncode and -proc.returncode in _LIMIT_SIGNALS:
            raise ConsoleRefused(
                f"the query needs more memory or time than the console allows ({memory_limit}, "
                f"{timeout_s:g} s) and was stopped"
            )
        raise ConsoleFailed(f"the query worker stopped unexpectedly (exit code {proc.returncode})")
    if not head.get("ok"):
        raise _explain(str(head.get("kind")), str(head.get("message", "")), timeout_s, memory_limit)
    table = pa.ipc.open_stream(body).read_all()
    frame = table.to_pandas()
    seconds = float(head.get("seconds") or (time.perf_counter() - t0))
    return ConsoleResult(frame.head(row_limit), len(frame) > row_limit, seconds, guarded.sql)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    proc.communicate()


def run(
    sql: str,
    row_limit: int = 10000,
    timeout_s: float = 10.0,
    memory_limit: str = "512MB",
    path: str | Path | None = None,
    overhead_mb: int = WORKER_BASE_MB,
) -> ConsoleResult:
    """Run an analyst's SELECT over the user's orgs, safely; audited whatever the outcome.

    Raises :class:`~app.lib.access.AccessDenied`, :class:`ConsoleRefused` (a readable
    reason) or :class:`ConsoleFailed`.
    """
    who = access.require_action("sql")
    path = Path(path or wh.warehouse_path())
    ver = wh.version(path)
    outcome, rows, scope_orgs, ran, reason = "refused", None, (), "", None
    t0 = time.perf_counter()
    try:
        if ver is None:
            raise ConsoleRefused("no published warehouse yet; run `make demo` or `ledgerbridge run`")
        scope = access.scope_of(who, wh.warehouse_orgs(ver))
        scope_orgs = scope.orgs
        if not scope.orgs:  # default deny: no grant, no console
            raise ConsoleRefused("you have no org grant, so there is no data to query; ask an admin")
        models, readable = console_models(ver)
        try:
            guarded = sql_guard.guard(sql, models)
        except sql_guard.Refused as exc:
            raise ConsoleRefused(str(exc)) from None
        ddls = {
            view: scoping.view_ddl(schema, model, readable[(schema, model)], scope.codes)
            for view, (schema, model) in guarded.views.items()
        }
        ran = guarded.sql
        result = run_worker(
            path,
            guarded,
            ddls,
            row_limit=row_limit,
            timeout_s=timeout_s,
            memory_limit=memory_limit,
            overhead_mb=overhead_mb,
        )
        outcome, rows = "ok", len(result.frame)
        return result
    except (ConsoleRefused, ConsoleFailed) as exc:
        outcome = "failed" if isinstance(exc, ConsoleFailed) else "refused"
        reason = str(exc)
        raise
    finally:
        _audit(who, sql, ran, outcome, rows, scope_orgs, time.perf_counter() - t0, reason)


def _audit(
    who: access.Principal,
    sql: str,
    ran: str,
    outcome: str,
    rows: int | None,
    orgs: tuple[str, ...],
    seconds: float,
    reason: str | None,
) -> None:
    """One ``sql_query`` entry: the text as typed, what ran, rows, seconds, outcome."""
    from ledgerbridge.ops import audit

    audit.append(
        "sql_query",
        actor=who.username,
        target=(sql or "")[:4000],
        orgs=orgs,
        row_count=rows,
        client=who.client,
        detail={"outcome": outcome, "seconds": round(seconds, 3), "reason": reason, "ran": ran[:4000]},
    )
