"""The operational database applies each registered migration once, in order."""

from __future__ import annotations

import sqlalchemy as sa

from ledgerbridge.ops import db


def test_migrations_apply_once_and_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "_REGISTRY", {})
    seen: list[str] = []

    def step(name: str):
        def apply(con: sa.Connection) -> None:
            seen.append(name)
            con.execute(sa.text(f"CREATE TABLE t_{name} (x INTEGER)"))

        return apply

    db.register(db.Migration("zeta", 1, "first", step("z1")))
    db.register(db.Migration("alpha", 2, "second", step("a2")))
    db.register(db.Migration("alpha", 1, "first", step("a1")))
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    eng = db.engine(url)
    assert seen == ["a1", "a2", "z1"]
    db.migrate(eng)
    assert seen == ["a1", "a2", "z1"], "a migration ran twice"
    with eng.connect() as con:
        rows = con.execute(sa.text("SELECT area, version FROM schema_migrations ORDER BY 1, 2")).all()
    assert rows == [("alpha", 1), ("alpha", 2), ("zeta", 1)]


def test_default_url_lives_in_the_data_folder(tmp_data_dir, monkeypatch):
    monkeypatch.delenv(db.ENV, raising=False)
    assert db.ops_url() == f"sqlite:///{(tmp_data_dir / 'ops.sqlite').resolve()}"
