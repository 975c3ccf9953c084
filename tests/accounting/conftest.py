"""The hand-written fixture company (fixture_company.py) built once through the real dbt
project, with a company profile of its own (its document numbers and bank accounts)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.accounting import fixture_company

#: The fixture company's document numbers (GR-A1, PI-B2, CPAY-H1 …) and bank accounts.
PATTERNS = "document_type,pattern,description\n" + "".join(
    f"{t},\\b{p}-[A-Z][0-9]\\b,{t}\n"
    for t, p in (
        ("GR", "GR"),
        ("PINV", "PI"),
        ("PAY", "PAY"),
        ("DN", "DN"),
        ("SINV", "SI"),
        ("REC", "REC"),
        ("EC", "EC"),
        ("CPAY", "CPAY"),
        ("ADV", "ADV"),
    )
)
BANKS = "BANK_ACCOUNT,ICBC-CNY-F1,100201,人民币户\nBANK_ACCOUNT,BOC-USD-F1,100202,美元户\n"


@dataclass
class Built:
    data: Path
    raw: Path
    warehouse: Path
    profile: Path

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def write_profile(folder: Path, extra_seeds: dict[str, str] | None = None) -> Path:
    """The fixture company's profile: default seeds, its own number patterns and bank accounts."""
    from ledgerbridge.profile import DEFAULT_SEEDS

    (folder / "seeds").mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text('[sources.erp]\ndataset = "raw_erp"\n', encoding="utf-8")
    (folder / "seeds" / "document_number_patterns.csv").write_text(PATTERNS, encoding="utf-8")
    mappings = (DEFAULT_SEEDS / "posting_account_mappings.csv").read_text(encoding="utf-8")
    (folder / "seeds" / "posting_account_mappings.csv").write_text(mappings + BANKS, encoding="utf-8")
    for name, text in (extra_seeds or {}).items():
        (folder / "seeds" / name).write_text(text, encoding="utf-8")
    return folder


def build(root: Path, *, extra_seeds: dict[str, str] | None = None, overrides=None) -> Built:
    """Raw file -> dbt build -> publish, for the fixture company, in ``root``."""
    from ledgerbridge import profile
    from ledgerbridge.refresh import refresh

    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    prof = write_profile(root / "profile", extra_seeds)
    raw = fixture_company.write_raw(data / "raw.duckdb", overrides)
    saved = {k: os.environ.get(k) for k in ("LEDGERBRIDGE_DATA_DIR", profile.ENV)}
    os.environ["LEDGERBRIDGE_DATA_DIR"] = str(data)
    os.environ[profile.ENV] = str(prof)
    try:
        refresh(raw=raw, warehouse=data / "warehouse.duckdb", skip_ingest=True)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Built(data, raw, data / "warehouse.duckdb", prof)


@pytest.fixture(scope="session")
def fixture_company_built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("fixture_company")
    yield build(root)
    shutil.rmtree(root, ignore_errors=True)
