"""Finance / GL export folder: dlt ``filesystem`` lists the files (incremental on their
modification date), a transformer per entity reads each CSV/XLSX into Arrow.

Encodings are detected per file (UTF-8, UTF-8 with BOM, GB18030, ...); Chinese headers are
mapped to canonical names by the mapping file; a CSV line with the wrong number of fields is
quarantined as ``truncated_line``. Re-reading a changed file replaces that file's rows
(``merge_key = "source_file"``).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import PurePosixPath
from typing import Any

import dlt
import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from dlt.sources.filesystem import filesystem

from ingestion.config import IngestConfig, TableSpec
from ingestion.context import RunContext, SourceReadError
from ingestion.validate import quarantine_record

GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}


def detect_encoding(data: bytes, configured: str = "auto") -> str:
    """The encoding of a text export: a BOM or valid UTF-8 wins, else charset-normalizer's guess
    (the GB family is read as GB18030, its superset)."""
    if configured and configured != "auto":
        return configured
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    enc = (best.encoding if best else "gb18030").lower().replace("-", "").replace("_", "")
    if enc in GB_FAMILY or best is None:
        return "gb18030"
    return best.encoding


def _cell_text(v: Any) -> str | None:
    """An XLSX cell as the text an export would show (numbers without float noise)."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return str(v).upper()
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return np.format_float_positional(v, trim="-")
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _number_text(values: np.ndarray) -> pa.Array:
    """Numbers as export text, vectorised: integral values without ".0", others in their shortest
    positional form (the rare value Arrow would write in exponent notation is formatted alone)."""
    num = pa.array(values, pa.float64(), from_pandas=True)
    whole = pc.and_(pc.equal(pc.round(num), num), pc.less(pc.abs(num), 1e15))
    text = pc.if_else(
        whole, pc.cast(pc.if_else(whole, num, 0.0), pa.int64()).cast(pa.string()), num.cast(pa.string())
    )
    exponent = pc.match_substring(text, "e").fill_null(False)
    if pc.any(exponent).as_py():
        fixed = [
            _cell_text(v) if e else t
            for v, e, t in zip(values, exponent.to_pylist(), text.to_pylist(), strict=True)
        ]
        text = pa.array(fixed, pa.string())
    return text


def _xlsx_column(values: list[Any]) -> pa.Array:
    """One sheet column as text. Text and number columns (the usual export) convert in bulk; a
    column holding anything else (dates, booleans) is formatted cell by cell."""
    cells = np.array(values, dtype=object)
    empty = (cells == "") | pd.isna(cells)
    kinds = {type(v) for v in cells[~empty]}
    if kinds <= {str}:
        return pa.array(cells, pa.string(), mask=empty, from_pandas=True)
    if kinds <= {float, int}:
        cells[empty] = None
        return _number_text(cells)
    return pa.array([_cell_text(v) for v in values], pa.string())


def read_xlsx(data: bytes, sheet: int | str = 0) -> pa.Table:
    """One sheet as an all-text Arrow table (header row = column names; blank rows dropped),
    read with calamine."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    ws = wb.get_sheet_by_name(sheet) if isinstance(sheet, str) else wb.get_sheet_by_index(sheet)
    rows = ws.to_python(skip_empty_area=False)
    if not rows:
        return pa.table({})
    header = [str(h).strip() for h in rows[0]]
    # calamine pads every row to the sheet's width, so the body transposes as it is
    columns = list(zip(*rows[1:], strict=True)) if len(rows) > 1 else [()] * len(header)
    table = pa.Table.from_arrays([_xlsx_column(list(c)) for c in columns], names=header)
    if not table.num_columns:
        return table
    blank = functools.reduce(pc.and_, (pc.is_null(c) for c in table.columns))
    return table.filter(pc.invert(blank))


def read_csv(data: bytes, encoding: str) -> tuple[pa.Table, list[tuple[list[str], str]]]:
    """All columns as text; lines with a wrong field count come back separately (fields, text)."""
    if encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
        data = data.decode(encoding).encode("utf-8")
    elif data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    header = next(csv.reader(io.StringIO(data[: data.find(b"\n") + 1 or len(data)].decode("utf-8"))), [])
    header = [h.strip() for h in header]
    invalid: list[tuple[list[str], str]] = []

    def on_invalid(row: Any) -> str:
        text = row.text or ""
        fields = next(csv.reader(io.StringIO(text)), [])
        invalid.append((fields, text))
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            column_types={h: pa.string() for h in header},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )
    return table, invalid


def _rename(table: pa.Table, mapping: dict[str, str]) -> pa.Table:
    """Canonical columns in mapping order (first matching header wins; missing -> null)."""
    cols: dict[str, pa.ChunkedArray | pa.Array] = {}
    for header, canon in mapping.items():
        if canon in cols or header not in table.column_names:
            continue
        cols[canon] = table.column(header)
    for canon in dict.fromkeys(mapping.values()):
        if canon not in cols:
            cols[canon] = pa.nulls(table.num_rows, pa.string())
    return pa.table({c: cols[c] for c in dict.fromkeys(mapping.values())})


def read_entity_file(
    item: dict[str, Any],
    data: bytes,
    spec: TableSpec,
    mapping: dict[str, str],
    encoding: str,
    root: str,
    ctx: RunContext,
) -> pa.Table:
    """One export file -> validated, typed Arrow table with ``source_file``."""
    rel = item["relative_path"]
    location = str(PurePosixPath(root) / rel) if root else rel
    suffix = PurePosixPath(rel).suffix.lower()
    invalid: list[tuple[list[str], str]] = []
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        table = read_xlsx(data, spec.options.get("sheet", 0))
        header = table.column_names
    elif suffix in (".csv", ".txt"):
        enc = detect_encoding(data, encoding)
        table, invalid = read_csv(data, enc)
        header = table.column_names
    else:
        raise SourceReadError(f"cannot read {location}: unsupported file type {suffix!r}")
    table = _rename(table, mapping)
    table = table.append_column("source_file", pa.array([rel] * table.num_rows, pa.string()))
    cut_short = []
    for fields, _text in invalid:
        record = {mapping.get(h, h): (fields[i] if i < len(fields) else None) for i, h in enumerate(header)}
        record = {k: v for k, v in record.items() if v is not None}
        record["source_file"] = rel
        cut_short.append(quarantine_record(spec, location, record, "truncated_line"))
    ctx.add_quarantine(spec, cut_short)
    return ctx.conform(table, spec, location)


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


def _reader(
    ctx: RunContext, spec: TableSpec, mapping: dict[str, str], encoding: str, root: str, workers: int
) -> Any:
    def read_one(item: dict[str, Any]) -> pa.Table:
        where = f"{root}/{item['relative_path']}"
        try:
            data = item.read_bytes() if hasattr(item, "read_bytes") else fsspec.open(item["file_url"]).read()
        except OSError as exc:
            raise SourceReadError(f"cannot read {where}: {exc.strerror or exc}") from exc
        try:
            return read_entity_file(item, data, spec, mapping, encoding, root, ctx)
        except SourceReadError:
            raise
        except Exception as exc:
            msg = " ".join(str(exc).split())[:300]
            raise SourceReadError(f"cannot read {where}: {msg}") from exc

    def read(items: list[dict[str, Any]]) -> Any:
        # the parsers (calamine, Arrow's CSV reader, Arrow compute) release the GIL: files are
        # read side by side, and yielded in listing order
        yield from _in_threads(read_one, list(items), workers)

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
        mapping = cfg.mapping(spec.options.get("mapping", spec.name))
        files = filesystem(
            bucket_url=bucket_url,
            credentials=fs,
            file_glob=spec.options["file_glob"],
            incremental=dlt.sources.incremental("modification_date"),
        )
        files = files.with_name(f"{spec.name}__files")
        disposition: Any = "merge"
        primary_key: list[str] | None = spec.primary_key
        if spec.merge_key:
            # A re-read file replaces that file's rows. Merging on the file alone keeps the delete a
            # hash join; with the primary key too, dlt deletes on "key OR file", a nested loop over
            # every row. The natural key stays unique by validation and the dbt tests.
            disposition = {"disposition": "merge", "strategy": "delete-insert"}
            primary_key = None
        reader = dlt.transformer(
            _reader(ctx, spec, mapping, encoding, root, workers),
            name=spec.name,
            primary_key=primary_key,
            merge_key=spec.merge_key or None,
            write_disposition=disposition,
            columns=spec.dlt_columns(),
        )
        out.append(files | reader)
    return out
