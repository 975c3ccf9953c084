"""Finance / GL export folder: dlt ``filesystem`` lists the files, a transformer per entity reads
each CSV/XLSX into Arrow under its layout (``ingestion.gl_layout``), validates it and decides
whether the new version may replace the file's rows (``ingestion.gl_files``).

Files are tracked by content, not modification time: an unchanged file is not read again, a
changed one is read in full and replaces that file's rows (``merge_key = "source_file"``), unless
it breaks a promise and is held back. A CSV line with the wrong number of fields is quarantined
as ``truncated_line``, a line whose bytes are invalid in the file's encoding as
``invalid_encoding``.
"""

from __future__ import annotations

import decimal
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import PurePosixPath
from typing import Any

import dlt
import fsspec
import pyarrow as pa
import pyarrow.compute as pc
from dlt.sources.filesystem import filesystem

from ingestion.config import IngestConfig, TableSpec
from ingestion.context import RunContext, SourceReadError
from ingestion.gl_files import (
    FileVersion,
    Verdict,
    check_promises,
    content_hash,
    held_back_message,
    held_back_record,
    is_accepted,
    layout_hash,
)
from ingestion.gl_read import (  # noqa: F401  (read_csv, read_xlsx, detect_encoding: public API)
    LayoutError,
    detect_encoding,
    read_csv,
    read_sheet,
    read_xlsx,
)
from ingestion.gl_shape import NUMERIC_KINDS, bad_line_record, shape
from ingestion.raw_tables import write_disposition
from ingestion.validate import check, quarantine_record, split


def read_entity_file(
    item: dict[str, Any], data: bytes, spec: TableSpec, encoding: str, root: str, ctx: RunContext
) -> pa.Table | None:
    """One export file -> its validated, typed rows with ``source_file``; None when the file is
    unchanged since it was loaded, or held back."""
    rel = item["relative_path"]
    location = str(PurePosixPath(root) / rel) if root else rel
    layout = spec.layout
    version = FileVersion(spec.name, rel, len(data), content_hash(data), layout_hash(spec))
    previous = ctx.files.get((spec.name, rel))
    if previous and (previous.sha256, previous.size_bytes, previous.layout_hash) == (
        version.sha256,
        version.size_bytes,
        version.layout_hash,
    ):
        ctx.unchanged_file(spec, location)  # back to the version loaded: a hold-back is over
        return None
    suffix = PurePosixPath(rel).suffix.lower()
    sheet = read_sheet(
        data, suffix, encoding=encoding, sheet=spec.options.get("sheet", 0), layout=layout, where=location
    )
    numeric = {c for c, k in spec.kinds.items() if k in NUMERIC_KINDS}
    shaped = shape(sheet, layout, rel, numeric)
    checked = check(shaped.table, spec, flags=shaped.flags)
    good, bad = split(
        checked,
        shaped.table,
        spec,
        location,
        row_numbers=lambda idx: sheet.row_numbers([int(shaped.row_index[i]) for i in idx]),
    )
    header = sheet.table.column_names
    bad += [
        quarantine_record(
            spec, location, bad_line_record(b, header, layout, rel), b.reason, row_number=b.line_no
        )
        for b in shaped.bad_lines
    ]
    version.lines_read = shaped.table.num_rows + len(shaped.bad_lines)
    version.lines_loaded = good.num_rows
    if "debit" in good.column_names:
        version.debit_total = _total(good, "debit")
        version.credit_total = _total(good, "credit")
    verdict = Verdict(
        version,
        check_promises(
            version,
            previous,
            shaped.promise,
            spec,
            checked.typed,
            checked.bad_mask,
            checked.column,
            len(shaped.bad_lines),
        ),
        accepted=is_accepted(rel, ctx.accept),
    )
    if verdict.held_back:
        ctx.hold_back(
            spec, held_back_record(spec, location, verdict, previous), held_back_message(location, verdict)
        )
        return None
    ctx.apply_file(spec, version, bad, location, verdict)
    return good


def _total(table: pa.Table, column: str) -> decimal.Decimal:
    value = pc.sum(table.column(column)).as_py()
    return decimal.Decimal(0) if value is None else value


def _in_threads(fn: Any, items: list[Any], workers: int) -> Iterator[Any]:
    """``map(fn, items)`` on ``workers`` threads, in order, with at most two items a worker in
    flight (so a folder of large files is not all in memory at once)."""
    if workers <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="gl-read") as pool:
        pending: deque[Future[Any]] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _reader(ctx: RunContext, spec: TableSpec, encoding: str, root: str, workers: int) -> Any:
    def read_one(item: dict[str, Any]) -> pa.Table | None:
        where = f"{root}/{item['relative_path']}"
        try:
            data = item.read_bytes() if hasattr(item, "read_bytes") else fsspec.open(item["file_url"]).read()
        except OSError as exc:
            raise SourceReadError(f"cannot read {where}: {exc.strerror or exc}") from exc
        try:
            return read_entity_file(item, data, spec, encoding, root, ctx)
        except SourceReadError:
            raise
        except LayoutError as exc:
            raise SourceReadError(str(exc)) from exc
        except Exception as exc:
            msg = " ".join(str(exc).split())[:300]
            raise SourceReadError(f"cannot read {where}: {msg}") from exc

    def read(items: list[dict[str, Any]]) -> Any:
        ctx.listed[spec.name].update(i["relative_path"] for i in items)
        # the parsers (calamine, Arrow's CSV reader, Arrow compute) release the GIL: files are
        # read side by side, and yielded in listing order
        for table in _in_threads(read_one, list(items), workers):
            if table is not None and table.num_rows:
                ctx.count(spec.name, table.num_rows)
                yield table

    return read


def gl_resources(cfg: IngestConfig, ctx: RunContext, bucket_url: str, root: str = "gl") -> list[Any]:
    """One transformer per GL entity, each fed by a dlt filesystem listing of its file pattern."""
    fs, _ = fsspec.core.url_to_fs(bucket_url)
    if not fs.exists(bucket_url if "://" in bucket_url else str(bucket_url)):
        raise SourceReadError(f"GL export folder not found: {bucket_url}")
    encoding = cfg.value("finance", "encoding", "auto")
    workers = int(cfg.value("finance", "read_workers", 0) or os.cpu_count() or 1)
    out = []
    for spec in cfg.tables("finance"):
        files = filesystem(bucket_url=bucket_url, credentials=fs, file_glob=spec.options["file_glob"])
        files = files.with_name(f"{spec.name}__files")
        disposition, primary_key = write_disposition(spec)
        reader = dlt.transformer(
            _reader(ctx, spec, encoding, root, workers),
            name=spec.name,
            primary_key=primary_key,
            merge_key=spec.merge_key or None,
            write_disposition=disposition,
            columns=spec.dlt_columns(),
        )
        out.append(files | reader)
    return out
