"""The audit log: who did what, when, from where — append-only, hash-chained.

Every entry stores the hash of the entry before it (``prev_hash``) and its own hash
over its fields and that link (``entry_hash``), and ``audit_head`` holds the hash of
the last one. Changing, removing or inserting an entry breaks the chain at that
entry; cutting off the tail no longer matches the head. :func:`verify` reports the
first broken link. This module has no update or delete path, and the database
refuses both (triggers) for anyone who goes around it.

Appends are serialised by updating the single ``audit_head`` row first, which takes
the write lock (SQLite) or the row lock (PostgreSQL) for the rest of the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ledgerbridge.ops.db import Migration, engine, register

AREA = "audit"
GENESIS = "0" * 64

_meta = sa.MetaData()
audit_log = sa.Table(
    "audit_log",
    _meta,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("ts", sa.String(32), nullable=False),  # ISO 8601 UTC, microseconds
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("orgs", sa.Text, nullable=False),  # comma-separated org codes in scope
    sa.Column("row_count", sa.BigInteger),
    sa.Column("checksum", sa.String(128)),
    sa.Column("client", sa.String(256), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),  # canonical JSON
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
)
audit_head = sa.Table(
    "audit_head",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
)
_INDEXES = (
    sa.Index("ix_audit_log_ts", audit_log.c.ts),
    sa.Index("ix_audit_log_actor", audit_log.c.actor),
    sa.Index("ix_audit_log_action", audit_log.c.action),
)

_SQLITE_GUARDS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)
_PG_GUARDS = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)


def _create(con: sa.Connection) -> None:
    _meta.create_all(con)
    con.execute(audit_head.insert().values(id=1, seq=0, entry_hash=GENESIS))
    guards = {"sqlite": _SQLITE_GUARDS, "postgresql": _PG_GUARDS}.get(con.dialect.name, ())
    for stmt in guards:
        con.exec_driver_sql(stmt)


register(Migration(AREA, 1, "audit_log (hash chain) and audit_head; no update/delete", _create))


@dataclass(frozen=True)
class Entry:
    """One audit entry as written."""

    seq: int
    ts: str
    actor: str
    action: str
    target: str
    orgs: str
    row_count: int | None
    checksum: str | None
    client: str
    detail: str
    prev_hash: str
    entry_hash: str


_HASHED = ("seq", "ts", "actor", "action", "target", "orgs", "row_count", "checksum", "client", "detail")


def entry_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """sha256 over the entry's fields and the previous entry's hash (canonical JSON)."""
    payload = [fields[k] for k in _HASHED] + [prev_hash]
    blob = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(
    action: str,
    *,
    actor: str,
    target: str = "",
    orgs: Iterable[str] = (),
    row_count: int | None = None,
    checksum: str | None = None,
    client: str = "",
    detail: Mapping[str, Any] | None = None,
    con: sa.Connection | None = None,
) -> Entry:
    """Write one entry at the end of the chain and return it.

    ``con``: write inside the caller's transaction (so a change and its entry commit
    together); otherwise in a transaction of its own.
    """
    if con is None:
        with engine().begin() as own:
            return append(
                action,
                actor=actor,
                target=target,
                orgs=orgs,
                row_count=row_count,
                checksum=checksum,
                client=client,
                detail=detail,
                con=own,
            )
    # the head row first: its update holds the lock until this transaction ends
    con.execute(audit_head.update().where(audit_head.c.id == 1).values(seq=audit_head.c.seq + 1))
    head = con.execute(sa.select(audit_head.c.seq, audit_head.c.entry_hash).where(audit_head.c.id == 1)).one()
    fields = {
        "seq": int(head.seq),
        "ts": _now(),
        "actor": actor or "anonymous",
        "action": action,
        "target": target or "",
        "orgs": ",".join(sorted(set(orgs))),
        "row_count": None if row_count is None else int(row_count),
        "checksum": checksum,
        "client": client or "",
        "detail": json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True, default=str),
    }
    digest = entry_hash(fields, head.entry_hash)
    con.execute(audit_log.insert().values(**fields, prev_hash=head.entry_hash, entry_hash=digest))
    con.execute(audit_head.update().where(audit_head.c.id == 1).values(entry_hash=digest))
    return Entry(**fields, prev_hash=head.entry_hash, entry_hash=digest)


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`: ``ok``, entries checked, the first broken seq and why."""

    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    head_hash: str = GENESIS


def verify(eng: sa.Engine | None = None, batch: int = 5000) -> Verification:
    """Walk the chain from the first entry; stop at the first broken link."""
    eng = eng or engine()
    prev, expected_seq, checked = GENESIS, 1, 0
    with eng.connect() as con:
        head = con.execute(sa.select(audit_head.c.seq, audit_head.c.entry_hash)).one()
        last = 0
        while True:
            rows = (
                con.execute(
                    sa.select(audit_log).where(audit_log.c.seq > last).order_by(audit_log.c.seq).limit(batch)
                )
                .mappings()
                .all()
            )
            if not rows:
                break
            for r in rows:
                seq = int(r["seq"])
                if seq != expected_seq:
                    return Verification(False, checked, expected_seq, f"entry {expected_seq} is missing")
                if r["prev_hash"] != prev:
                    return Verification(False, checked, seq, "the link to the previous entry does not match")
                if entry_hash(r, r["prev_hash"]) != r["entry_hash"]:
                    return Verification(False, checked, seq, "the entry was changed after it was written")
                prev, expected_seq, checked, last = r["entry_hash"], seq + 1, checked + 1, seq
    if int(head.seq) != checked or head.entry_hash != prev:
        return Verification(
            False, checked, checked + 1, f"the log ends at entry {checked} but the head says {head.seq}", prev
        )
    return Verification(True, checked, head_hash=prev)


def read(
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    actor: str | None = None,
    actions: Iterable[str] | None = None,
    text: str | None = None,
    limit: int = 5000,
    eng: sa.Engine | None = None,
) -> pd.DataFrame:
    """Entries newest first, filtered (``since``/``until`` in UTC, ``text`` in target or detail)."""
    q = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if since is not None:
        q = q.where(audit_log.c.ts >= since.strftime("%Y-%m-%dT%H:%M:%S"))
    if until is not None:
        q = q.where(audit_log.c.ts < until.strftime("%Y-%m-%dT%H:%M:%S"))
    if actor:
        q = q.where(audit_log.c.actor == actor)
    acts = list(actions or [])
    if acts:
        q = q.where(audit_log.c.action.in_(acts))
    if text:
        like = f"%{text}%"
        q = q.where(sa.or_(audit_log.c.target.like(like), audit_log.c.detail.like(like)))
    with (eng or engine()).connect() as con:
        rows = con.execute(q).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in audit_log.columns])


def distinct_values(column: str, eng: sa.Engine | None = None) -> list[str]:
    """Distinct actors or actions (for filters)."""
    col = audit_log.c[column]
    with (eng or engine()).connect() as con:
        return [r[0] for r in con.execute(sa.select(col).distinct().order_by(col))]
