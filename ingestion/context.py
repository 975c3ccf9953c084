"""Per-run bookkeeping shared by the sources: rows, quarantined rows and time per table, the GL
files read and held back, and the warnings an operator must see."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from ingestion.config import TableSpec
from ingestion.validate import conform


class SourceReadError(Exception):
    """A source could not be read; the message is one line naming what failed."""


@dataclass
class RunContext:
    source: str
    run_id: str = ""
    rows: Counter = field(default_factory=Counter)
    quarantined: Counter = field(default_factory=Counter)
    seconds: defaultdict = field(default_factory=lambda: defaultdict(float))
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    #: (table, one line) per thing an operator must look at (a held-back file ...)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    #: data-quality findings (duplicates, deletions, accepted overrides) for ops.data_quality
    findings: list[dict[str, Any]] = field(default_factory=list)
    # -- GL files: the manifest at the start of the run, what the listing showed, what was applied
    files: dict[tuple[str, str], Any] = field(default_factory=dict)
    accept: list[str] = field(default_factory=list)
    listed: defaultdict = field(default_factory=lambda: defaultdict(set))
    applied: list[Any] = field(default_factory=list)
    applied_locations: defaultdict = field(default_factory=lambda: defaultdict(list))
    unchanged_locations: defaultdict = field(default_factory=lambda: defaultdict(list))
    #: ERP / API: where each table's incremental read starts, and its columns (reflected)
    starts: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    #: API endpoints read in full for the deletion check: the keys of every record seen
    keys: dict[str, list[Any]] = field(default_factory=dict)
    #: keys (``a/b`` text) of rows marked deleted that are back in the source
    restored: dict[str, list[str]] = field(default_factory=dict)
    # sources may read in threads (the GL's files): the tallies change under this lock
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def counter(self, name: str) -> Any:
        """A map step counting the rows that reach the destination."""

        def count(item: Any) -> Any:
            self.count(name, getattr(item, "num_rows", 0))
            return item

        return count

    def count(self, name: str, rows: int) -> None:
        with self._lock:
            self.rows[name] += rows

    def conform(
        self, table: pa.Table, spec: TableSpec, location: str, count: bool = True, **kwargs: Any
    ) -> pa.Table:
        """Validate one batch, keep its bad rows for the quarantine, count, return the good rows."""
        t0 = time.perf_counter()
        good, bad = conform(table, spec, location, **kwargs)
        with self._lock:
            if count:
                self.rows[spec.name] += good.num_rows
            self.quarantined[spec.name] += len(bad)
            self.quarantine.extend(bad)
            self.seconds[spec.name] += time.perf_counter() - t0
        return good

    def add_quarantine(self, spec: TableSpec, records: list[dict[str, Any]]) -> None:
        """Quarantine records a source found outside ``conform`` (a line it could not parse)."""
        with self._lock:
            self.quarantined[spec.name] += len(records)
            self.quarantine.extend(records)

    def warn(self, table: str, message: str) -> None:
        with self._lock:
            self.warnings.append((table, f"{self.source}: {message}"))

    def hold_back(self, spec: TableSpec, record: dict[str, Any], message: str) -> None:
        """A file whose new version is not applied: one quarantine record and a warning."""
        with self._lock:
            self.quarantined[spec.name] += 1
            self.quarantine.append(record)
            self.warnings.append((spec.name, f"{self.source}: {message}"))

    def unchanged_file(self, spec: TableSpec, location: str) -> None:
        """A file whose content is the version loaded before."""
        with self._lock:
            self.unchanged_locations[spec.name].append(location)

    def apply_file(
        self, spec: TableSpec, version: Any, bad: list[dict[str, Any]], location: str, verdict: Any
    ) -> None:
        """A file version that replaces the file's rows, with its quarantined lines."""
        with self._lock:
            self.applied.append(version)
            self.applied_locations[spec.name].append((version.source_file, location))
            self.quarantined[spec.name] += len(bad)
            self.quarantine.extend(bad)
            if verdict.problems:  # accepted by the operator despite broken promises
                self.findings.append(
                    {
                        "table_name": spec.name,
                        "source_location": location,
                        "record_key": version.source_file,
                        "check_name": "accepted_file",
                        "detail": "accepted with --accept-file: "
                        + "; ".join(f"{r}: {t}" for r, t in verdict.problems),
                        "raw_record": None,
                        "kept": True,
                    }
                )
