"""Per-run bookkeeping shared by the sources: rows, quarantined rows and time per table."""

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
    rows: Counter = field(default_factory=Counter)
    quarantined: Counter = field(default_factory=Counter)
    seconds: defaultdict = field(default_factory=lambda: defaultdict(float))
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    # sources may read in threads (the GL's files): the tallies change under this lock
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def counter(self, name: str) -> Any:
        """A map step counting the rows that reach the destination (after incremental filtering)."""

        def count(item: Any) -> Any:
            with self._lock:
                self.rows[name] += getattr(item, "num_rows", 0)
            return item

        return count

    def conform(self, table: pa.Table, spec: TableSpec, location: str, count: bool = True) -> pa.Table:
        """Validate one batch, keep its bad rows for the quarantine, count, return the good rows."""
        t0 = time.perf_counter()
        good, bad = conform(table, spec, location)
        with self._lock:
            if count:
                self.rows[spec.name] += good.num_rows
            self.quarantined[spec.name] += len(bad)
            self.quarantine.extend(bad)
            self.seconds[spec.name] += time.perf_counter() - t0
        return good

    def add_quarantine(self, spec: TableSpec, records: list[dict[str, Any]]) -> None:
        """Quarantine records a source found before validation (e.g. a CSV line cut short)."""
        with self._lock:
            self.quarantined[spec.name] += len(records)
            self.quarantine.extend(records)
