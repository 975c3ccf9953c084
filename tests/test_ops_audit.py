"""The audit log is a hash chain: every entry is checked, and any change to a
written entry, a removed entry or a cut-off tail is found at the right place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledgerbridge.ops import audit


def _write(n: int) -> list[audit.Entry]:
    return [
        audit.append(
            "page_view",
            actor=f"user{i % 3}",
            target=f"page{i}",
            orgs=["ORG01"],
            client="127.0.0.1",
            detail={"i": i, "text": "科目余额表"},
        )
        for i in range(1, n + 1)
    ]


def _raw(url: str) -> sqlite3.Connection:
    """The database file opened around the application, as someone tampering would."""
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    return con


def test_entries_chain_and_verify(ops_db: str):
    entries = _write(5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.entry_hash for a, b in zip(entries, entries[1:], strict=False))
    # the hash is recomputed independently from the stored fields
    for e in entries:
        assert audit.entry_hash(e.__dict__, e.prev_hash) == e.entry_hash
    v = audit.verify()
    assert v.ok and v.checked == 5 and v.head_hash == entries[-1].entry_hash


def test_an_empty_log_verifies(ops_db: str):
    v = audit.verify()
    assert v.ok and v.checked == 0


def test_the_database_refuses_update_and_delete(ops_db: str):
    _write(2)
    eng = sa.create_engine(ops_db)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), eng.begin() as con:
        con.execute(sa.text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), eng.begin() as con:
        con.execute(sa.text("DELETE FROM audit_log WHERE seq = 2"))
    assert audit.verify().ok


def test_a_rehashed_entry_breaks_the_next_link(ops_db: str):
    _write(6)
    con = _raw(ops_db)
    row = dict(
        zip(
            [c.name for c in audit.audit_log.columns],
            con.execute("SELECT * FROM audit_log WHERE seq = 3").fetchone(),
            strict=True,
        )
    )
    row["actor"] = "someone_else"
    forged = audit.entry_hash(row, row["prev_hash"])
    con.execute("UPDATE audit_log SET actor = ?, entry_hash = ? WHERE seq = 3", (row["actor"], forged))
    con.commit()
    v = audit.verify()
    assert not v.ok and v.broken_seq == 4 and "previous entry" in v.reason


@pytest.mark.parametrize(
    ("tamper", "broken", "checked", "why"),
    [
        ("UPDATE audit_log SET row_count = 1 WHERE seq = 4", 4, 3, "changed"),
        ("UPDATE audit_log SET ts = '2020-01-01T00:00:00.000000Z' WHERE seq = 1", 1, 0, "changed"),
        ("DELETE FROM audit_log WHERE seq = 2", 2, 1, "missing"),
        ("DELETE FROM audit_log WHERE seq >= 4", 4, 3, "head"),
    ],
)
def test_tampering_is_found_at_its_entry(ops_db: str, tamper: str, broken: int, checked: int, why: str):
    _write(6)
    con = _raw(ops_db)
    con.execute(tamper)
    con.commit()
    v = audit.verify()
    assert not v.ok and v.broken_seq == broken and v.checked == checked and why in v.reason


def test_concurrent_appends_keep_one_chain(ops_db: str):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda i: audit.append("sql_query", actor=f"a{i}", target=str(i)), range(60)))
    v = audit.verify()
    assert v.ok and v.checked == 60


def test_read_filters(ops_db: str):
    _write(6)
    df = audit.read(actor="user1")
    assert sorted(df["target"]) == ["page1", "page4"]
    assert audit.read(text="page5")["seq"].tolist() == [5]
    assert audit.read(actions=["login"]).empty
    assert audit.read()["seq"].tolist() == [6, 5, 4, 3, 2, 1]


def test_verify_on_postgres(postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The same chain and the same refusal of updates on PostgreSQL (a database of its own)."""
    from sqlalchemy.engine import make_url

    base = make_url(postgres_url)
    name = "lb_access_audit_test"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        con.execute(sa.text(f"CREATE DATABASE {name}"))
    url = base.set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("LEDGERBRIDGE_OPS_URL", url)
    try:
        _write(4)
        assert audit.verify().ok
        eng = sa.create_engine(url)
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), eng.begin() as con:
            con.execute(sa.text("UPDATE audit_log SET actor = 'x' WHERE seq = 2"))
        with eng.begin() as con:  # the owner can drop the guard; the chain still tells
            con.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
            con.execute(sa.text("UPDATE audit_log SET actor = 'x' WHERE seq = 2"))
        v = audit.verify()
        assert not v.ok and v.broken_seq == 2
        eng.dispose()
    finally:
        from ledgerbridge.ops import db

        db._engine(url).dispose()
        with admin.connect() as con:
            con.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
