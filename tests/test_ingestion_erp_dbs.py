"""The ERP source from SQLite, PostgreSQL and MariaDB gives identical raw tables.

Uses a database of its own (``lb_ingest``) on each server so parallel tests on the shared
``test`` database do not interfere; skips when a server does not answer.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from tests.test_ingestion import ERP_TABLES, SCALE

DB = "lb_ingest"


def _own_database(url: str) -> str:
    """Create (if needed) a database named DB next to the test one; returns its URL."""
    u = sa.engine.make_url(url)
    engine = sa.create_engine(u, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as con:
            if u.get_backend_name() == "postgresql":
                exists = con.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": DB}
                ).first()
                if not exists:
                    con.execute(sa.text(f'CREATE DATABASE "{DB}"'))
            else:
                con.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS `{DB}`"))
    finally:
        engine.dispose()
    return u.set(database=DB).render_as_string(hide_password=False)


def _dump(raw: Path) -> dict[str, list[tuple]]:
    out = {}
    with duckdb.connect(str(raw), read_only=True) as con:
        for t in [*ERP_TABLES, "quarantine"]:
            cols = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema='raw_erp' "
                    "AND table_name=? AND column_name NOT LIKE '\\_dlt%' ESCAPE '\\' "
                    "AND column_name NOT IN "
                    "('source_location', 'quarantined_at', 'raw_record', 'column_value', 'quarantine_id') "
                    "ORDER BY column_name",
                    [t],
                ).fetchall()
            ]
            types = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema='raw_erp' "
                "AND table_name=? AND column_name NOT LIKE '\\_dlt%' ESCAPE '\\' ORDER BY 1",
                [t],
            ).fetchall()
            rows = con.execute(f"SELECT {', '.join(cols)} FROM raw_erp.{t} ORDER BY ALL").fetchall()
            out[t] = [tuple(types), *rows]
    return out


@pytest.mark.parametrize("server", ["postgres", "mariadb"])
def test_erp_from_server_equals_sqlite(server, request, tmp_path, monkeypatch):
    from ingestion import run_ingest
    from tests.test_ingestion import _simulate

    base = request.getfixturevalue("postgres_url" if server == "postgres" else "mariadb_url")
    url = _own_database(base)
    monkeypatch.setenv("LEDGERBRIDGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SOURCES__ERP__URL", raising=False)
    out = tmp_path / "sources"
    _simulate(out, erp_url=url)
    assert SCALE < 1
    raw_sqlite, raw_server = tmp_path / "sqlite.duckdb", tmp_path / f"{server}.duckdb"
    run_ingest(["erp"], sources_dir=out, raw_path=raw_sqlite)
    monkeypatch.setenv("SOURCES__ERP__URL", url)
    report = run_ingest(["erp"], sources_dir=out, raw_path=raw_server)
    assert report.ok
    a, b = _dump(raw_sqlite), _dump(raw_server)
    for t in a:
        assert a[t][0] == b[t][0], f"{t}: column types differ"
        assert len(a[t]) == len(b[t]), f"{t}: row counts differ"
        assert a[t] == b[t], f"{t}: rows differ"
