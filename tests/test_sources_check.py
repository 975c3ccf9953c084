"""``ledgerbridge sources check`` on the demo sources, and on a profile with mistakes a customer
makes: what it reports is checked against the simulator's ground truth and the raw files."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ingestion.source_check import check_sources
from ledgerbridge.cli import app
from ledgerbridge.paths import PROJECT_ROOT


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import datetime as dt

    from ledgerbridge.simulator import SimulationConfig, simulate

    out = tmp_path_factory.mktemp("check_sources")
    simulate(SimulationConfig(seed=7, scale=0.05, out=out, as_of=dt.date(2025, 12, 31)))
    return out


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEDGERBRIDGE_DATA_DIR", str(tmp_path / "data"))
    for var in (
        "LEDGERBRIDGE_PROFILE",
        "SOURCES__ERP__URL",
        "SOURCES__EXPENSE__BASE_URL",
        "SOURCES__FINANCE__BUCKET_URL",
    ):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def _profile(
    tmp: Path, config_extra: str = "", mapping: str | None = None, patterns: str | None = None
) -> Path:
    d = tmp / "acme"
    (d / "seeds").mkdir(parents=True)
    config = (PROJECT_ROOT / ".dlt" / "config.toml").read_text(encoding="utf-8")
    if mapping is not None:
        (d / "gl_columns.toml").write_text(mapping, encoding="utf-8")
        config = config.replace(
            'mapping_file = "ingestion/mappings/gl_columns.toml"', 'mapping_file = "gl_columns.toml"'
        )
    (d / "config.toml").write_text(config + config_extra, encoding="utf-8")
    if patterns is not None:
        (d / "seeds" / "document_number_patterns.csv").write_text(patterns, encoding="utf-8")
    return d


def test_the_demo_sources_report_what_was_found_and_the_unmapped_party_codes(demo: Path, clean_env: Path):
    report = check_sources(demo)
    erp = report.section("ERP tables")
    with sqlite3.connect(demo / "erp.sqlite") as db:  # every table the simulated ERP has
        tables = {r[0] for r in db.execute("select name from sqlite_master where type = 'table'")}
    assert {r[0] for r in erp.rows} == tables
    assert all(r[3] == "ok" for r in erp.rows) and not erp.problems
    files = {r[0]: r for r in report.section("GL files").rows}
    assert (
        files["gl_voucher_lines"][2] == len(list((demo / "gl").glob("*/凭证_*")))
        and files["gl_voucher_lines"][5] == 0
    )
    mapping = {(r[0], r[1]): r[2] for r in report.section("GL column mapping").rows}
    assert (
        mapping[("gl_voucher_lines", "debit")] == "借方"
        and mapping[("gl_voucher_lines", "remark")] == "(none)"
    )
    endpoints = report.section("Expense API endpoints")
    assert {r[2] for r in endpoints.rows} == {"ok"}
    assert {r[0] for r in endpoints.rows} == {f.stem for f in (demo / "expense").glob("*.parquet")}
    # the planted GL codes that only a mapping could resolve, by the simulator's ground truth
    truth = pd.read_parquet(demo / "ground_truth.parquet")
    unmapped = truth[(truth["anomaly"] == "code_mismatch") & (truth["expected_status"] == "unmapped")]
    reported = {r[1] for r in report.section("GL party codes not in the ERP").rows}
    assert reported and reported <= set(unmapped["record_key"])


def test_pattern_counts_equal_a_count_over_the_raw_files(
    demo: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
):
    patterns = (
        "document_type,pattern,description\n"
        "SINV,SINV\\d{8},customer invoice\nPAY,PAY\\d{8},payment\nBAD,[unclosed,typo\n"
    )
    monkeypatch.setenv("LEDGERBRIDGE_PROFILE", str(_profile(clean_env, patterns=patterns)))
    report = check_sources(demo, ["finance"])
    section = report.section("Document-number patterns")
    got = {r[0]: r[2] for r in section.rows}
    # second route: the voucher files read as plain tables, Python's re over 摘要 and 参考信息
    from ingestion.gl_read import detect_encoding, read_csv, read_xlsx

    frames = []
    for f in sorted((demo / "gl").glob("*/凭证_*")):
        data = f.read_bytes()
        table = read_xlsx(data) if f.suffix == ".xlsx" else read_csv(data, detect_encoding(data))[0]
        frames.append(table.select(["摘要", "参考信息"]).to_pandas())
    lines = pd.concat(frames).fillna("")
    for doc, pattern in (("SINV", r"SINV\d{8}"), ("PAY", r"PAY\d{8}")):
        want = int((lines["摘要"].str.contains(pattern) | lines["参考信息"].str.contains(pattern)).sum())
        assert got[doc] == want > 0, doc
    assert any("'[unclosed' (BAD) is not a valid regular expression" in p for p in section.problems)


def test_a_renamed_column_a_missing_table_and_a_wrong_endpoint_are_problems(
    demo: Path, clean_env: Path, monkeypatch: pytest.MonkeyPatch
):
    mapping = (PROJECT_ROOT / "ingestion/mappings/gl_columns.toml").read_text(encoding="utf-8")
    mapping = re.sub(r'(?m)^"借方" = "debit"$', '"借方X" = "debit"', mapping)
    mapping = re.sub(r'(?m)^"借方金额" = "debit"$', "", mapping)
    extra = '\n[sources.erp.tables.fixed_assets]\nprimary_key = ["asset_no"]\n'
    extra += '\n[sources.expense.endpoints.mileage]\nprimary_key = ["trip_id"]\n'
    profile = _profile(clean_env, extra, mapping=mapping)
    sources = clean_env / "sources"
    shutil.copytree(demo, sources)
    res = CliRunner().invoke(
        app, ["--profile", str(profile), "sources", "check", "--sources-dir", str(sources)]
    )
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert "erp.fixed_assets: table 'fixed_assets' not found in the ERP database" in text
    assert "required column missing from the header (row 1): debit (借方X" in text
    assert "凭证_ORG01_2025-01.csv" in text
    assert "expense.mileage: HTTP 404 from api/v1/mileage" in text
    assert "problem(s) to fix before the first run" in text
