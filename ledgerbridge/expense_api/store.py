"""Parquet-backed store behind the demo expense API (docs/sources.md, section 3).

Each ``<source_dir>/expense/<entity>.parquet`` file is one entity.  A file is read
once, sorted by (updated_at, key columns), converted to JSON-ready columns, and
re-read only when it changes on disk (the simulator rewrites them as its world
moves forward).  Paging is a binary search on the sorted updated_at plus a slice.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ledgerbridge.errors import LedgerbridgeError

DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000
UPDATED_AT = "updated_at"

# Key columns per entity (contract table); entities not listed sort by their first column.
ENTITY_KEYS: dict[str, tuple[str, ...]] = {
    "departments": ("dept_code",),
    "employees": ("employee_code",),
    "expense_claims": ("claim_id",),
    "expense_claim_lines": ("claim_id", "line_no"),
    "vat_invoices": ("invoice_id",),
    "approval_steps": ("claim_id", "step_no"),
    "employee_advances": ("advance_no",),
    "claim_payments": ("payment_no",),
    "claim_payment_lines": ("payment_no", "line_no"),
}

_ENTITY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_EPOCH = datetime(1970, 1, 1)


class ExpenseApiError(LedgerbridgeError):
    """Base class of errors the API turns into an HTTP status."""

    status = 500


class BadParameter(ExpenseApiError):
    """A query parameter could not be understood (HTTP 400)."""

    status = 400


class UnknownEntity(ExpenseApiError):
    """No parquet file backs the requested entity (HTTP 404)."""

    status = 404


class EntityUnavailable(ExpenseApiError):
    """The entity's file exists but cannot be read right now, e.g. mid-rewrite (HTTP 503)."""

    status = 503


@dataclass(frozen=True)
class _Loaded:
    """One entity as served: immutable, swapped atomically on reload."""

    signature: tuple[int, int, int]  # (mtime_ns, size, inode) of the file that was read
    table: pa.Table  # JSON-ready columns, sorted by (updated_at, keys), nulls last
    sort_ts: np.ndarray  # int64 µs since epoch (UTC) of the non-null updated_at prefix


def parse_updated_since(value: str | datetime | None) -> int | None:
    """Parse an ``updated_since`` value into µs since the epoch (UTC); None/'' means no filter.

    Accepts ISO 8601 (``2024-01-05``, ``2024-01-05 10:00:00``, ``2024-01-05T10:00:00+08:00``,
    trailing ``Z``). Naive values are taken as UTC, like naive ``updated_at`` values.
    Raises BadParameter on anything else.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        text = value.strip()
        if not text:
            return None
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            # An unencoded '+08:00' arrives as ' 08:00' after query-string decoding.
            head, sep, tail = text.rpartition(" ")
            try:
                if not sep or ":" not in tail:
                    raise ValueError(text) from None
                dt = datetime.fromisoformat(f"{head}+{tail}")
            except ValueError:
                raise BadParameter(
                    f"updated_since: not an ISO timestamp: {value!r} (e.g. 2024-01-05T10:00:00)"
                ) from None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return (dt - _EPOCH) // timedelta(microseconds=1)


def _sort_key_us(col: pa.ChunkedArray | None, n: int) -> pa.Array:
    """updated_at as int64 µs since epoch (UTC); unparseable or missing values become null."""
    if col is None:
        return pa.nulls(n, pa.int64())
    arr = col.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        parsed = pd.to_datetime(
            pd.Series(arr.to_numpy(zero_copy_only=False), dtype=object),
            errors="coerce",
            format="ISO8601",
            utc=True,
        )
        arr = pa.Array.from_pandas(parsed)
        t = arr.type
    if pa.types.is_date(t):
        arr = arr.cast(pa.timestamp("us"))
    elif pa.types.is_timestamp(t):
        # Underlying values of tz-aware timestamps are already UTC.
        arr = arr.cast(pa.timestamp("us", tz=t.tz), safe=False)
    else:
        return pa.nulls(n, pa.int64())
    return arr.cast(pa.int64())


def _json_ready(arr: pa.Array) -> pa.Array:
    """Convert one column so that ``to_pylist`` yields JSON-serialisable values."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    t = arr.type
    if pa.types.is_decimal(t) or pa.types.is_date(t) or pa.types.is_time(t):
        return arr.cast(pa.string())  # decimal128(18,2) -> "1234.50"; date -> "YYYY-MM-DD"
    if pa.types.is_timestamp(t):
        # Naive cast of a tz-aware column gives UTC wall time; whole seconds only.
        secs = arr.cast(pa.timestamp("s"), safe=False)
        return pc.strftime(secs, format="%Y-%m-%d %H:%M:%S")
    if pa.types.is_floating(t):
        return pc.if_else(pc.is_finite(arr), arr, pa.scalar(None, t))  # NaN/inf -> null
    return arr  # strings, ints, bools as they are; anything odder is str()-ed by the encoder


def _file_signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def load_entity(path: Path, keys: tuple[str, ...] | None = None) -> tuple[pa.Table, np.ndarray]:
    """Read one parquet file into a sorted, JSON-ready table plus its sorted updated_at (µs).

    Rows are ordered by updated_at then the key columns, nulls last; ties keep file order.
    """
    raw = pq.read_table(path)
    n = raw.num_rows
    names = raw.column_names
    if keys is None:
        keys = ENTITY_KEYS.get(path.stem) or tuple(c for c in names[:1] if c != UPDATED_AT)
    ts = _sort_key_us(raw.column(UPDATED_AT) if UPDATED_AT in names else None, n)
    sort_cols = {"__ts": ts}
    sort_spec = [("__ts", "ascending")]
    for i, k in enumerate(k for k in keys if k in names):
        sort_cols[f"__k{i}"] = raw.column(k)
        sort_spec.append((f"__k{i}", "ascending"))
    # Stable sort; nulls go last by default (passing null_placement is deprecated in pyarrow 25).
    order = pc.sort_indices(pa.table(sort_cols), sort_keys=sort_spec)
    sorted_ts = ts.take(order)
    non_null = n - sorted_ts.null_count  # nulls are at the end
    sort_ts = sorted_ts.slice(0, non_null).to_numpy(zero_copy_only=False).astype(np.int64)
    columns = [_json_ready(raw.column(c).take(order).combine_chunks()) for c in names]
    return pa.table(columns, names=names), sort_ts


class ExpenseStore:
    """Serves pages of the parquet files in ``<source_dir>/expense/``; thread-safe.

    Files are loaded lazily, cached, and re-read when their (mtime, size, inode) changes.
    """

    def __init__(self, source_dir: Path | str) -> None:
        self.source_dir = Path(source_dir)
        self.expense_dir = self.source_dir / "expense"
        self._cache: dict[str, _Loaded] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def entities(self) -> list[str]:
        """Names of the entities currently served (one per ``*.parquet`` file)."""
        if not self.expense_dir.is_dir():
            return []
        return sorted(p.stem for p in self.expense_dir.glob("*.parquet") if _ENTITY_RE.match(p.stem))

    def _lock(self, entity: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(entity, threading.Lock())

    def _get(self, entity: str) -> _Loaded:
        if not _ENTITY_RE.match(entity):
            raise UnknownEntity(f"unknown entity: {entity!r}")
        path = self.expense_dir / f"{entity}.parquet"
        sig = _file_signature(path)
        if sig is None:
            self._cache.pop(entity, None)
            raise UnknownEntity(f"unknown entity: {entity!r}")
        cached = self._cache.get(entity)
        if cached is not None and cached.signature == sig:
            return cached
        with self._lock(entity):
            cached = self._cache.get(entity)
            if cached is not None and cached.signature == sig:
                return cached  # another thread reloaded it meanwhile
            try:
                table, sort_ts = load_entity(path)
            except Exception as exc:  # partial write, corrupt file, odd schema
                if cached is not None:
                    return cached  # keep serving the last good version; retry next request
                raise EntityUnavailable(f"{entity}: cannot read {path.name}: {exc}") from exc
            loaded = _Loaded(signature=sig, table=table, sort_ts=sort_ts)
            self._cache[entity] = loaded
            return loaded

    def page(
        self,
        entity: str,
        updated_since: str | datetime | None = None,
        page: int = 1,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> dict[str, Any]:
        """One page of ``entity`` as the API body ``{data, page, page_size, total, next_page}``.

        ``updated_since`` keeps records with ``updated_at >= updated_since`` (inclusive, so a
        client resuming from the last value it saw re-reads that instant rather than losing
        rows; records whose updated_at is null or unparseable never match a filter, and are
        served last when there is none). ``page`` starts at 1; ``page_size`` is capped at
        MAX_PAGE_SIZE and the effective size is echoed. Raises UnknownEntity, BadParameter
        or EntityUnavailable.
        """
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise BadParameter(f"page must be an integer >= 1, got {page!r}")
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise BadParameter(f"page_size must be an integer >= 1, got {page_size!r}")
        page_size = min(page_size, MAX_PAGE_SIZE)
        since = parse_updated_since(updated_since)
        loaded = self._get(entity)
        if since is None:
            start, stop = 0, loaded.table.num_rows
        else:
            start = int(np.searchsorted(loaded.sort_ts, since, side="left"))
            stop = len(loaded.sort_ts)
        total = stop - start
        offset = start + (page - 1) * page_size
        count = max(0, min(page_size, stop - offset))
        data = loaded.table.slice(offset, count).to_pylist() if count else []
        has_next = (page * page_size) < total
        return {
            "data": data,
            "page": page,
            "page_size": page_size,
            "total": total,
            "next_page": page + 1 if has_next else None,
        }
