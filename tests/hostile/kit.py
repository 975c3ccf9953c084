"""Small hand-made sources for the integrity and hostile-input tests, and the comparison of two raw
files table by table (row counts and an order-independent checksum of every row)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import duckdb
import sqlalchemy as sa

from ledgerbridge.simulator.erp_schema import TABLES as ERP_SCHEMA
from ledgerbridge.simulator.erp_schema import metadata

VOUCHER_HEADER = [
    "核算组织", "日期", "会计期间", "凭证字", "凭证号", "分录号", "摘要", "科目代码", "科目名称", "币别",
    "原币金额", "借方", "贷方", "汇率", "供应商", "客户", "职员", "部门", "参考信息", "制单人",
]  # fmt: skip


def voucher_line(
    org: str,
    period: str,
    no: int,
    line: int,
    account: str,
    debit: str = "",
    credit: str = "",
    summary: str = "x",
) -> list[str]:
    """One GL line in the demo export layout (CNY, rate 1)."""
    amount = debit or credit
    return [org, f"{period}-15", period, "记", str(no), str(line), summary, account, "", "CNY", amount,
            debit, credit, "1.000000", "", "", "", "", "", "会计"]  # fmt: skip


def voucher(org: str, period: str, no: int, amount: str = "100.00") -> list[list[str]]:
    """A balanced two-line voucher."""
    return [
        voucher_line(org, period, no, 1, "1002", debit=amount),
        voucher_line(org, period, no, 2, "1122", credit=amount),
    ]


def csv_bytes(
    rows: Iterable[list[str]], header: list[str] = VOUCHER_HEADER, encoding: str = "utf-8"
) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def write_gl(root: Path, files: dict[str, bytes]) -> Path:
    """Voucher files under ``<root>/gl`` (names relative to it)."""
    gl = root / "gl"
    for rel, data in files.items():
        path = gl / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    gl.mkdir(parents=True, exist_ok=True)
    return gl


def erp_db(root: Path, with_keys: bool = True) -> Path:
    """An empty ERP database with every table of the demo schema (without primary-key constraints
    when ``with_keys`` is false, as a view or a careless ERP would have them)."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "erp.sqlite"
    if with_keys:
        engine = sa.create_engine(f"sqlite:///{path}")
        metadata().create_all(engine)
        engine.dispose()
        return path
    with sqlite3.connect(path) as con:
        for table, (_, cols) in ERP_SCHEMA.items():
            types = {
                "ts": "DATETIME",
                "money": "NUMERIC",
                "qty": "NUMERIC",
                "rate": "NUMERIC",
                "int": "INTEGER",
            }
            columns = ", ".join(f"{c} {types.get(k, 'VARCHAR')}" for c, k in cols)
            con.execute(f"CREATE TABLE {table} ({columns})")
    return path


def insert(path: Path, table: str, rows: list[dict]) -> None:
    with sqlite3.connect(path) as con:
        for row in rows:
            cols = list(row)
            con.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                list(row.values()),
            )


def q(raw: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(raw), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


#: columns that differ between two loads of the same data (load ids, load times)
VOLATILE = {"_dlt_load_id", "_dlt_id", "quarantined_at", "source_location"}


def raw_fingerprint(raw: Path, live_only: bool = True) -> dict[str, tuple[int, int]]:
    """(rows, checksum) of every raw data and quarantine table; live rows only (a row marked
    ``_deleted_at`` is not in a fresh load of the same sources)."""
    out = {}
    with duckdb.connect(str(raw), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'raw\\_%' escape '\\' and table_schema not like '%staging' "
            "and not starts_with(table_name, '_dlt') order by 1, 2"
        ).fetchall()
        for schema, table in tables:
            described = [r[0] for r in con.execute(f'describe "{schema}"."{table}"').fetchall()]
            cols = [c for c in described if c not in VOLATILE and c != "_deleted_at"]
            if table == "quarantine":  # the problem recorded, not the version of its raw text
                cols = ["source_name", "table_name", "record_key", "reason"]
            where = 'where "_deleted_at" is null' if live_only and "_deleted_at" in described else ""
            row_hash = "hash(" + ", ".join(f'"{c}"' for c in cols) + ")"
            n, checksum = con.execute(
                f'select count(*), coalesce(sum({row_hash} % 1000000007), 0) from "{schema}"."{table}" '
                + where
            ).fetchone()
            out[f"{schema}.{table}"] = (n, int(checksum))
    return out


def differences(a: dict[str, tuple[int, int]], b: dict[str, tuple[int, int]]) -> dict[str, tuple]:
    return {t: (a.get(t), b.get(t)) for t in sorted(set(a) | set(b)) if a.get(t) != b.get(t)}


def small_profile(place: Path, keep: dict[str, list[str]], extra: str = "") -> Path:
    """A company profile: the demo configuration with only the named tables (endpoints) of each
    source in ``keep`` (fewer tables, faster loads); ``extra`` TOML is appended. It becomes the
    active profile through ``LEDGERBRIDGE_PROFILE`` (set by the caller)."""
    import re

    from ledgerbridge.paths import PROJECT_ROOT

    text = (PROJECT_ROOT / ".dlt" / "config.toml").read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=\[)", text)
    out = []
    for block in blocks:
        m = re.match(r"\[sources\.(\w+)\.(?:tables|endpoints)\.(\w+)\]", block)
        if m and m.group(1) in keep and m.group(2) not in keep[m.group(1)]:
            continue
        out.append(block)
    profile = place / "profile"
    profile.mkdir(exist_ok=True)
    (profile / "config.toml").write_text("".join(out) + extra, encoding="utf-8")
    return profile
