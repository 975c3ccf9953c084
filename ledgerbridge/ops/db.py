"""Connection and versioned migrations of the operational database.

Each area (users, audit, reports, …) registers its migrations under its own name;
``migrate()`` applies the ones not yet recorded in ``schema_migrations``, in order,
each in its own transaction. Migrations are append-only: a released migration is
never edited, a change is a new migration.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import data_dir

ENV = "LEDGERBRIDGE_OPS_URL"


@dataclass(frozen=True)
class Migration:
    """One schema step of an area: ``apply(connection)`` runs inside a transaction."""

    area: str
    version: int
    description: str
    apply: Callable[[sa.Connection], None]


_REGISTRY: dict[tuple[str, int], Migration] = {}
_LOCK = threading.Lock()


def register(migration: Migration) -> Migration:
    """Add a migration to the registry (modules call this at import)."""
    key = (migration.area, migration.version)
    if key in _REGISTRY and _REGISTRY[key] is not migration:
        raise LedgerbridgeError(f"ops migration {key} registered twice")
    _REGISTRY[key] = migration
    return migration


def ops_url() -> str:
    """The SQLAlchemy URL: ``LEDGERBRIDGE_OPS_URL``, else ``<data dir>/ops.sqlite``."""
    url = os.environ.get(ENV, "").strip()
    if url:
        return url
    path = data_dir() / "ops.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(path).resolve()}"


@cache
def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        eng = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(eng, "connect")
        def _pragmas(dbapi_con, _record):  # WAL: readers never block the writer
            dbapi_con.execute("PRAGMA journal_mode=WAL")
            dbapi_con.execute("PRAGMA foreign_keys=ON")

        return eng
    return sa.create_engine(url, pool_pre_ping=True)


def engine(url: str | None = None) -> sa.Engine:
    """The engine of the operational database, migrated to the latest version."""
    eng = _engine(url or ops_url())
    migrate(eng)
    return eng


_MIGRATIONS = sa.Table(
    "schema_migrations",
    sa.MetaData(),
    sa.Column("area", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.String(400), nullable=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)


def migrate(eng: sa.Engine) -> list[Migration]:
    """Apply every registered migration not applied yet; returns those applied now."""
    applied_now: list[Migration] = []
    with _LOCK:
        _MIGRATIONS.metadata.create_all(eng)
        with eng.connect() as con:
            done = {(r.area, r.version) for r in con.execute(sa.select(_MIGRATIONS))}
        for key in sorted(_REGISTRY):
            if key in done:
                continue
            m = _REGISTRY[key]
            with eng.begin() as con:
                m.apply(con)
                con.execute(
                    _MIGRATIONS.insert().values(
                        area=m.area,
                        version=m.version,
                        description=m.description,
                        applied_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    )
                )
            applied_now.append(m)
    return applied_now
