"""Shared fixtures: quiet tool telemetry, an isolated data folder, and the
database servers (PostgreSQL, MariaDB) that ERP tests run against — those
tests skip with a clear reason when no server answers."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

pytest_plugins = ["fixtures_warehouse", "fixtures_statements", "fixtures_receivers", "fixtures_access"]

# No telemetry or version checks from dbt / dlt during tests.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DBT_VERSION_CHECK", "false")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

PG_HOST, PG_PORT = "127.0.0.1", 5432
MYSQL_HOST, MYSQL_PORT = "127.0.0.1", 3306
CONNECT_TIMEOUT_S = 2

#: Candidate URLs, first that answers wins; override with the env vars.
PG_CANDIDATES = (
    f"postgresql+psycopg2://postgres@{PG_HOST}:{PG_PORT}/test",
    f"postgresql+psycopg2://root@{PG_HOST}:{PG_PORT}/test",
)
MYSQL_CANDIDATES = (f"mysql+pymysql://root@{MYSQL_HOST}:{MYSQL_PORT}/test",)


def _first_answering(candidates: tuple[str, ...]) -> tuple[str | None, str]:
    """(url, "") for the first URL that answers ``SELECT 1``, else (None, reason)."""
    import sqlalchemy as sa

    reason = "no candidate URL"
    for url in candidates:
        engine = sa.create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
        try:
            with engine.connect() as con:
                con.execute(sa.text("SELECT 1"))
            return url, ""
        except Exception as exc:  # any failure means "not usable here"
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
        finally:
            engine.dispose()
    return None, reason


@cache
def _probe_pg() -> tuple[str | None, str]:
    if url := os.environ.get("LEDGERBRIDGE_TEST_PG_URL"):
        return _first_answering((url,))
    return _first_answering(PG_CANDIDATES)


@cache
def _probe_mysql() -> tuple[str | None, str]:
    if url := os.environ.get("LEDGERBRIDGE_TEST_MYSQL_URL"):
        return _first_answering((url,))
    return _first_answering(MYSQL_CANDIDATES)


def pg_url() -> str:
    """SQLAlchemy URL of the test PostgreSQL database; skips the test if none answers."""
    url, reason = _probe_pg()
    if url is None:
        pytest.skip(f"PostgreSQL not answering at {PG_HOST}:{PG_PORT}: {reason}")
    return url


def mysql_url() -> str:
    """SQLAlchemy URL of the test MariaDB/MySQL database; skips the test if none answers."""
    url, reason = _probe_mysql()
    if url is None:
        pytest.skip(f"MariaDB not answering at {MYSQL_HOST}:{MYSQL_PORT}: {reason}")
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A reachable PostgreSQL database URL (the test is skipped otherwise)."""
    return pg_url()


@pytest.fixture(scope="session")
def mariadb_url() -> str:
    """A reachable MariaDB database URL (the test is skipped otherwise)."""
    return mysql_url()


@pytest.fixture
def tmp_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder used by ``ledgerbridge.paths`` for this test only."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("LEDGERBRIDGE_DATA_DIR", str(data))
    monkeypatch.delenv("LEDGERBRIDGE_WAREHOUSE", raising=False)
    return data


@pytest.fixture(autouse=True)
def _profile_stays_with_its_test():
    """``--profile`` on the CLI selects a profile for the whole process (the env var dbt and the
    sources read); a test that invokes it must not leave its profile to the tests after it."""
    saved = os.environ.get("LEDGERBRIDGE_PROFILE")
    yield
    if saved is None:
        os.environ.pop("LEDGERBRIDGE_PROFILE", None)
    else:
        os.environ["LEDGERBRIDGE_PROFILE"] = saved
