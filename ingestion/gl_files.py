"""Which GL files to read, and whether a file's new version may replace its rows.

Files are tracked in ``ops.source_files`` by content (SHA-256 and size) and by the layout they
were read with, never by modification time: a file whose bytes and layout are unchanged is not
read again; any other file is read in full and, when accepted, replaces every row it gave
before. A new version is held back (its old rows stay, the file is reported in the quarantine
with the reason and the figures) when it breaks a promise:

- ``total_row_missing`` / ``total_row_mismatch``: the layout has total rows (合计) and the file
  has none, or its line count or debit/credit totals differ from the lines read;
- ``file_shrunk``: fewer lines than the version loaded before (a cut-off re-export);
- ``unbalanced_voucher``: a voucher's lines do not balance (debit = credit), other than a voucher
  with a line already quarantined for a bad value;
- ``file_missing``: a file loaded before is no longer in the folder.

An operator who knows the change is right accepts it (``accept`` patterns; ``ledgerbridge
ingest --accept-file``); the acceptance is recorded in ``ops.data_quality``.
"""

from __future__ import annotations

import decimal
import fnmatch
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.config import TableSpec
from ingestion.cursors import table_exists
from ingestion.deletions import mark_file_rows
from ingestion.gl_shape import Promise
from ingestion.ops_tables import now

#: the quarantine reasons of a file held back as a whole
HOLD_BACK_REASONS = (
    "total_row_missing",
    "total_row_mismatch",
    "file_shrunk",
    "unbalanced_voucher",
    "file_missing",
)
#: vouchers named in one held-back message at most
SHOWN = 3


@dataclass
class FileVersion:
    """One version of one file: what it is and what was read from it."""

    table_name: str
    source_file: str
    size_bytes: int
    sha256: str
    layout_hash: str
    lines_read: int = 0
    lines_loaded: int = 0
    debit_total: decimal.Decimal | None = None
    credit_total: decimal.Decimal | None = None


@dataclass
class Verdict:
    """What happens to a file version: applied, or held back with the broken promises."""

    version: FileVersion
    problems: list[tuple[str, str]] = field(default_factory=list)  # (reason, one-line detail)
    accepted: bool = False

    @property
    def held_back(self) -> bool:
        return bool(self.problems) and not self.accepted


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def layout_hash(spec: TableSpec) -> str:
    """A fingerprint of how a table's files are read: a change re-reads every file."""
    text = json.dumps(
        {"layout": repr(spec.layout), "kinds": spec.kinds, "options": spec.options},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def loaded_versions(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], FileVersion]:
    """Every file version in the raw file's manifest, by (table, file)."""
    rows = con.execute(
        "SELECT table_name, source_file, size_bytes, sha256, layout_hash, lines_read, lines_loaded, "
        "debit_total, credit_total FROM ops.source_files"
    ).fetchall()
    return {(r[0], r[1]): FileVersion(*r) for r in rows}


def is_accepted(rel: str, patterns: list[str]) -> bool:
    """Whether an operator accepted this file's change (glob patterns over the relative path)."""
    return any(fnmatch.fnmatchcase(rel, p) for p in patterns)


def _money(v: decimal.Decimal | None) -> str:
    return "-" if v is None else f"{v:,.2f}"


def _sum(arr: pa.ChunkedArray | pa.Array) -> decimal.Decimal:
    total = pc.sum(arr).as_py()
    return decimal.Decimal(0) if total is None else decimal.Decimal(total)


def check_promises(
    version: FileVersion,
    previous: FileVersion | None,
    promise: Promise | None,
    spec: TableSpec,
    typed: pa.Table,
    bad_mask: pa.Array,
    bad_columns: pa.Array,
    bad_lines: int,
) -> list[tuple[str, str]]:
    """The promises a new file version breaks (reason, detail); empty when it may be applied.

    ``typed`` holds every row read (bad values null), ``bad_mask`` / ``bad_columns`` which rows
    are quarantined and for which column; ``bad_lines`` counts lines that could not be parsed.
    """
    problems: list[tuple[str, str]] = []
    t = spec.layout.total_row if spec.layout else None
    if t is not None and promise is None and t.required:
        problems.append(
            ("total_row_missing", f"no total row ({' / '.join(t.markers)}): the export may be cut off")
        )
    if promise is not None:
        problems += _total_row_problems(version, promise, typed, bad_columns, bad_lines)
    if previous is not None and version.lines_read < previous.lines_read:
        problems.append(
            (
                "file_shrunk",
                f"{previous.lines_read:,} lines before, {version.lines_read:,} now (debit "
                f"{_money(previous.debit_total)} before, {_money(version.debit_total)} now)",
            )
        )
    balance_by = list(spec.options.get("balance_by", []))
    if balance_by and {"debit", "credit"} <= set(typed.column_names):
        problems += _unbalanced(typed, bad_mask, balance_by)
    return problems


def _total_row_problems(
    version: FileVersion, promise: Promise, typed: pa.Table, bad_columns: pa.Array, bad_lines: int
) -> list[tuple[str, str]]:
    where = f"total row (row {promise.row_number})" if promise.row_number else "total row"
    if promise.unreadable:
        return [("total_row_mismatch", f"{where} cannot be read: {', '.join(promise.unreadable)}")]
    out = []
    if promise.count is not None and promise.count != version.lines_read:
        out.append(
            ("total_row_mismatch", f"{where} says {promise.count:,} lines, {version.lines_read:,} read")
        )
    # amounts can be compared only when every line's amounts were read
    amounts_known = (
        bad_lines == 0 and not pc.any(pc.is_in(bad_columns, pa.array(["debit", "credit"]))).as_py()
    )
    if amounts_known:
        for side in ("debit", "credit"):
            said = getattr(promise, side)
            got = _sum(typed.column(side)) if side in typed.column_names else None
            if said is not None and got is not None and said != got:
                out.append(
                    (
                        "total_row_mismatch",
                        f"{where} says {side} {_money(said)}, the lines add up to {_money(got)}",
                    )
                )
    return out


def _unbalanced(typed: pa.Table, bad_mask: pa.Array, keys: list[str]) -> list[tuple[str, str]]:
    """Vouchers whose accepted lines do not balance; a voucher with a quarantined (bad-value) line
    is known to be incomplete and is left to the quarantine."""
    good = typed.filter(pc.invert(bad_mask)).select([*keys, "debit", "credit"])
    sums = good.group_by(keys).aggregate([("debit", "sum"), ("credit", "sum")])
    off = sums.filter(pc.not_equal(sums.column("debit_sum"), sums.column("credit_sum")).fill_null(False))
    if off.num_rows and pc.any(bad_mask).as_py():
        incomplete = typed.filter(bad_mask).select(keys).group_by(keys).aggregate([])
        off = off.join(incomplete, keys=keys, join_type="left anti")
    if not off.num_rows:
        return []
    shown = "; ".join(
        f"{'-'.join(str(r[k]) for k in keys)}: {_money(r['debit_sum'])} / {_money(r['credit_sum'])}"
        for r in off.slice(0, SHOWN).to_pylist()
    )
    more = f" and {off.num_rows - SHOWN} more" if off.num_rows > SHOWN else ""
    return [
        ("unbalanced_voucher", f"{off.num_rows} voucher(s) do not balance (debit / credit): {shown}{more}")
    ]


def held_back_record(
    spec: TableSpec, location: str, verdict: Verdict, previous: FileVersion | None
) -> dict[str, Any]:
    """The quarantine record of a held-back file (one per file; its lines are not loaded)."""
    v = verdict.version
    detail = {
        "file": v.source_file,
        "problems": [f"{reason}: {text}" for reason, text in verdict.problems],
        "lines_now": v.lines_read,
        "lines_before": previous.lines_read if previous else None,
        "debit_now": str(v.debit_total) if v.debit_total is not None else None,
        "credit_now": str(v.credit_total) if v.credit_total is not None else None,
        "debit_before": str(previous.debit_total) if previous and previous.debit_total is not None else None,
        "credit_before": str(previous.credit_total)
        if previous and previous.credit_total is not None
        else None,
        "sha256": v.sha256,
    }
    return {
        "source_name": spec.source,
        "table_name": spec.name,
        "source_location": location,
        "record_key": v.source_file,
        "reason": verdict.problems[0][0],
        "raw_record": json.dumps(detail, ensure_ascii=False),
        "row_number": None,
        "column_name": None,
        "column_value": None,
    }


def held_back_message(location: str, verdict: Verdict) -> str:
    """One line for the operator: which file, why, and how to accept it."""
    why = "; ".join(text for _, text in verdict.problems)
    return (
        f"{location} held back ({', '.join(r for r, _ in verdict.problems)}): {why}; its previous rows stay "
        f"loaded (accept the new version with --accept-file '{verdict.version.source_file}')"
    )


def record_versions(
    con: duckdb.DuckDBPyConnection, versions: list[FileVersion], run_id: str, load_ids: list[str]
) -> None:
    """Store the applied file versions in the manifest (after their rows were loaded)."""
    if not versions:
        return
    at = now()
    rows = [(*asdict(v).values(), at, run_id, ",".join(load_ids)) for v in versions]
    con.executemany(
        "INSERT OR REPLACE INTO ops.source_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
    )


def forget_versions(con: duckdb.DuckDBPyConnection, keys: list[tuple[str, str]]) -> None:
    """Drop manifest entries of files whose removal was accepted."""
    if keys:
        con.executemany("DELETE FROM ops.source_files WHERE table_name = ? AND source_file = ?", keys)


def vanished(ctx: Any, specs: list[TableSpec], root: str) -> list[tuple[TableSpec, str, str]]:
    """Files loaded before that the listing no longer shows: held back (``file_missing``) unless
    accepted; returns the accepted removals (spec, file, location)."""
    removals = []
    for spec in specs:
        for table, rel in sorted(ctx.files):
            if table != spec.name or rel in ctx.listed[spec.name]:
                continue
            location = f"{root}/{rel}" if root else rel
            previous = ctx.files[(table, rel)]
            verdict = Verdict(
                FileVersion(table, rel, 0, "", previous.layout_hash),
                [
                    (
                        "file_missing",
                        f"loaded before with {previous.lines_read:,} lines, no longer in the folder",
                    )
                ],
                accepted=is_accepted(rel, ctx.accept),
            )
            if verdict.held_back:
                ctx.hold_back(
                    spec,
                    held_back_record(spec, location, verdict, previous),
                    held_back_message(location, verdict),
                )
            else:
                removals.append((spec, rel, location))
    return removals


def after_load(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    ctx: Any,
    removals: list[tuple[TableSpec, str, str]],
    load_ids: list[str],
) -> dict[str, int]:
    """Once the load is in: the rows and quarantine records a re-read file no longer has are
    removed, accepted removals are marked deleted, and the manifest records what was applied.
    Returns the rows marked deleted per table."""
    for table, files in ctx.applied_locations.items():
        rels, locations = [f[0] for f in files], [f[1] for f in files]
        if table_exists(con, dataset, table):
            con.execute(
                f'delete from "{dataset}"."{table}" where source_file in (select unnest(?::varchar[])) '
                "and _dlt_load_id not in (select unnest(?::varchar[]))",
                [rels, load_ids],
            )
        _forget_quarantine(con, dataset, table, locations, load_ids)
    for table, locations in ctx.unchanged_locations.items():
        # a file held back before that is back to the version loaded: its hold-back record goes
        # (its lines' records stay: the file was not read again)
        con.execute(
            f'delete from "{dataset}".quarantine where table_name = ? and reason in '
            "(select unnest(?::varchar[])) and source_location in (select unnest(?::varchar[]))",
            [table, list(HOLD_BACK_REASONS), locations],
        )
    deleted: dict[str, int] = {}
    for spec, rel, location in removals:
        n = mark_file_rows(con, dataset, spec, rel)
        deleted[spec.name] = deleted.get(spec.name, 0) + n
        _forget_quarantine(con, dataset, spec.name, [location], load_ids)
        ctx.findings.append(
            {
                "table_name": spec.name,
                "source_location": location,
                "record_key": rel,
                "check_name": "file_removed",
                "detail": f"{location} removed from the folder (accepted): {n:,} rows marked deleted",
                "raw_record": None,
                "kept": False,
            }
        )
    forget_versions(con, [(spec.name, rel) for spec, rel, _ in removals])
    record_versions(con, ctx.applied, ctx.run_id, load_ids)
    return deleted


def _forget_quarantine(
    con: duckdb.DuckDBPyConnection, dataset: str, table: str, locations: list[str], load_ids: list[str]
) -> None:
    """Quarantine records of re-read files that this load did not write again."""
    con.execute(
        f'delete from "{dataset}".quarantine where table_name = ? and source_location in '
        "(select unnest(?::varchar[])) and _dlt_load_id not in (select unnest(?::varchar[]))",
        [table, locations, load_ids],
    )
