"""The report archive: every file a run produced, kept under the data folder.

Layout: ``<data>/reports/<report id>/<period>/v<NNN>/<scope>/<file name>`` where the
scope is ``all`` or the org codes joined by ``+``. Re-running a period makes a new
version; nothing is ever overwritten. Retention keeps the newest N versions of each
period, deletes older ones and records (and returns) what it pruned. A file is read
back only when its bytes still match the sha256 recorded when it was archived.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import data_dir
from ledgerbridge.reports.recipients import Scope
from ledgerbridge.reports.render import RenderedFile
from ledgerbridge.reports.runs import Run, db_time, event, job_runs, report_files


def archive_root() -> Path:
    """``<data dir>/reports`` (override with LEDGERBRIDGE_REPORTS_DIR)."""
    return Path(os.environ.get("LEDGERBRIDGE_REPORTS_DIR", data_dir() / "reports"))


@dataclass(frozen=True)
class ArchivedFile:
    """One archived file as recorded."""

    file_id: str
    file_name: str
    fmt: str
    scope_key: str
    path: Path
    size_bytes: int
    sha256: str


def version_dir(report_id: str, period: str, version: int) -> Path:
    return archive_root() / report_id / period / f"v{version:03d}"


def store(
    eng: sa.Engine, run: Run, version: int, scope: Scope, files: list[RenderedFile], now: dt.datetime
) -> list[ArchivedFile]:
    """Write one scope's files into the run's version folder and record them (never overwrites)."""
    folder = version_dir(run.job_id, run.period, version) / scope.key
    folder.mkdir(parents=True, exist_ok=True)
    out: list[ArchivedFile] = []
    for f in files:
        target = folder / f.name
        tmp = folder / f".{f.name}.{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_bytes(f.data)
        try:  # a hard link fails if the target exists: an archived file is never replaced
            os.link(tmp, target)
        except FileExistsError:
            raise LedgerbridgeError(
                f"archive: {target} already exists; a version is never overwritten"
            ) from None
        finally:
            tmp.unlink(missing_ok=True)
        out.append(
            ArchivedFile(
                uuid.uuid4().hex,
                f.name,
                f.fmt,
                scope.key,
                target,
                len(f.data),
                hashlib.sha256(f.data).hexdigest(),
            )
        )
    with eng.begin() as con:
        for a, f in zip(out, files, strict=True):
            con.execute(
                report_files.insert().values(
                    file_id=a.file_id,
                    run_id=run.run_id,
                    report_id=run.job_id,
                    period=run.period,
                    version=version,
                    scope_key=scope.key,
                    scope_orgs_json=None if scope.orgs is None else json.dumps(sorted(scope.orgs)),
                    fmt=f.fmt,
                    section=f.section,
                    file_name=f.name,
                    rel_path=str(a.path.relative_to(archive_root())),
                    size_bytes=a.size_bytes,
                    sha256=a.sha256,
                    created_at=db_time(now),
                )
            )
    return out


def read(eng: sa.Engine, file_id: str) -> tuple[dict, bytes]:
    """(record, bytes) of an archived file, checked against its recorded sha256."""
    with eng.connect() as con:
        row = con.execute(sa.select(report_files).where(report_files.c.file_id == file_id)).mappings().first()
    if row is None:
        raise LedgerbridgeError(f"archive: no file {file_id}")
    if row["pruned_at"] is not None:
        raise LedgerbridgeError(f"archive: {row['file_name']} was pruned on {row['pruned_at']:%Y-%m-%d}")
    path = archive_root() / row["rel_path"]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LedgerbridgeError(f"archive: cannot read {path}: {exc.strerror}") from None
    if hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise LedgerbridgeError(
            f"archive: {path} no longer matches its sha256; it was changed after archiving"
        )
    return dict(row), data


def prune(eng: sa.Engine, report_id: str, keep: int, now: dt.datetime) -> list[str]:
    """Delete all but the newest ``keep`` successful versions of each period; returns what it did."""
    if keep <= 0:
        return []
    with eng.connect() as con:
        rows = con.execute(
            sa.select(job_runs.c.run_id, job_runs.c.period, job_runs.c.version)
            .where(
                job_runs.c.job_id == report_id, job_runs.c.state == "success", job_runs.c.version.is_not(None)
            )
            .order_by(job_runs.c.period, job_runs.c.version.desc())
        ).all()
        live = {
            r.run_id
            for r in con.execute(
                sa.select(report_files.c.run_id)
                .where(report_files.c.report_id == report_id, report_files.c.pruned_at.is_(None))
                .distinct()
            )
        }
    seen: dict[str, int] = {}
    messages: list[str] = []
    for r in rows:
        seen[r.period] = seen.get(r.period, 0) + 1
        if seen[r.period] <= keep or r.run_id not in live:
            continue
        folder = version_dir(report_id, r.period, r.version)
        shutil.rmtree(folder, ignore_errors=True)
        msg = f"pruned {report_id} {r.period} v{r.version:03d} (retention keeps {keep} versions)"
        with eng.begin() as con:
            con.execute(
                report_files.update().where(report_files.c.run_id == r.run_id).values(pruned_at=db_time(now))
            )
            event(con, r.run_id, now, "pruned", msg)
        messages.append(msg)
    return messages
