"""Every hostile test runs in its own data folder with no source settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

ENV_VARS = (
    "SOURCES__ERP__URL",
    "SOURCES__EXPENSE__BASE_URL",
    "SOURCES__EXPENSE__TOKEN",
    "SOURCES__FINANCE__BUCKET_URL",
    "SOURCES__FINANCE__ACCEPT_CHANGES",
    "LEDGERBRIDGE_EXPENSE_TOKEN",
    "LEDGERBRIDGE_RAW",
    "LEDGERBRIDGE_PROFILE",
    "LEDGERBRIDGE_WAREHOUSE",
)


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder for this test's sources (``place / "sources"``) and data (``place / "data"``)."""
    monkeypatch.setenv("LEDGERBRIDGE_DATA_DIR", str(tmp_path / "data"))
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "sources").mkdir()
    return tmp_path
