"""Any company by configuration alone: the second house style end to end with its committed
profile, a clean company that must publish, and a product that names none of the demo's
conventions outside configuration."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ledgerbridge.paths import PROJECT_ROOT
from ledgerbridge.scorecard import score

pytestmark = pytest.mark.slow

QINGHE = PROJECT_ROOT / "profiles" / "qinghe"
#: The demo's own conventions: document numbers, org codes, GL headers and file names.
DEMO_CONVENTIONS = re.compile(
    r"ORG0[123]|\b(?:PO|GR|PINV|PAY|SO|DN|SINV|REC|EC|ECP|ADV)2[45]\d{6}\b|核算组织|凭证_|汇率_|期间状态_"
)


def _build(root: Path, *, style: str | None = None, clean: bool = False, profile: Path | None = None):
    from ledgerbridge import profile as profiles
    from ledgerbridge.refresh import refresh
    from ledgerbridge.simulator import SimulationConfig, simulate

    data = root / "data"
    saved = {k: os.environ.get(k) for k in ("LEDGERBRIDGE_DATA_DIR", profiles.ENV)}
    os.environ["LEDGERBRIDGE_DATA_DIR"] = str(data)
    if profile:
        os.environ[profiles.ENV] = str(profile)
    else:
        os.environ.pop(profiles.ENV, None)
    try:
        simulate(SimulationConfig(seed=11, scale=0.3, out=data / "sources", style=style, clean=clean))
        refresh(sources_dir=data / "sources")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return data


@pytest.fixture(scope="module")
def qinghe(tmp_path_factory) -> Iterator[Path]:
    yield _build(tmp_path_factory.mktemp("qinghe"), style="qinghe", profile=QINGHE)


def test_second_house_style_reconciles_like_the_first(qinghe: Path) -> None:
    """Qinghe numbers, codes and exports everything differently (RK/2025/07/0012, ledgers 001…
    in one workbook per period, no period column, signed amounts, party names, sub-codes): with
    its profile alone every planted item is found, nothing else is flagged, the bridge closes."""
    card = score(qinghe / "warehouse.duckdb", qinghe / "sources" / "ground_truth.parquet")
    assert card.misses.empty, card.misses[["anomaly", "document_no", "expected_status", "found_status"]]
    assert (card.per_status["precision"] == 1.0).all(), card.per_status
    assert {
        "missing_posting",
        "fx_difference",
        "duplicate_posting",
        "ambiguous_pair",
        "batch_posting",
    } <= set(card.per_anomaly["anomaly"])
    assert card.proposals > 0 and card.unbalanced_proposals == 0 and card.unposted == 0
    with duckdb.connect(str(qinghe / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(
            "select count(*) from reconciliation.recon_account_bridge "
            "where unexplained <> 0 or matched_difference <> 0"
        ).fetchone() == (0,)
        orgs = {r[0] for r in con.execute("select distinct org_code from core.fct_gl_lines").fetchall()}
        proposed = {
            r[0]
            for r in con.execute(
                "select distinct account_code from vouchers.voucher_proposal_lines"
            ).fetchall()
        }
        chart = {
            r[0] for r in con.execute("select account_code from staging.stg_finance__gl_accounts").fetchall()
        }
    assert orgs == {"1010", "1020", "2010"}  # the GL's ledgers 001… mapped to the ERP's orgs
    assert proposed and proposed <= chart  # proposals post to the company's own sub-codes only
    assert not proposed & {"220201", "220202", "100201"}  # never to the demo's


def test_every_number_pattern_of_the_second_style_matches_its_documents(qinghe: Path) -> None:
    """One check per pattern: each document type's numbers, as the ERP holds them, match exactly
    the pattern the profile gives for that type and no other type's."""
    import csv

    patterns = {
        row["document_type"]: re.compile(row["pattern"].replace("\\b", ""))
        for row in csv.DictReader((QINGHE / "seeds" / "document_number_patterns.csv").open(encoding="utf-8"))
    }
    with duckdb.connect(str(qinghe / "warehouse.duckdb"), read_only=True) as con:
        numbers = dict(
            con.execute(
                "select event_type, list(distinct document_no) from core.fct_business_events group by 1"
            ).fetchall()
        )
    assert set(numbers) == {"GR", "PINV", "PAY", "DN", "SINV", "REC", "EC_APPROVE", "CPAY", "ADV"}
    kind = {"EC_APPROVE": "EC"}
    for event_type, docs in numbers.items():
        own = kind.get(event_type, event_type)
        for doc in docs[:50]:
            matching = {t for t, p in patterns.items() if p.fullmatch(doc)}
            assert matching == {own}, (doc, matching)


def test_a_clean_company_publishes_with_everything_matched(tmp_path_factory) -> None:
    """No bad row, no unmapped code, no exception: the normal case for a well-run company.
    Every optional input is empty (quarantine, code mappings) and the run still publishes."""
    data = _build(tmp_path_factory.mktemp("clean"), clean=True)
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        statuses = dict(
            con.execute("select recon_status, count(*) from reconciliation.recon_items group by 1").fetchall()
        )
        proposals = con.execute("select count(*) from vouchers.voucher_proposals").fetchone()[0]
        quarantined = con.execute("select count(*) from monitoring.mon_quarantine").fetchone()[0]
    assert set(statuses) == {"matched"} and statuses["matched"] > 100
    assert proposals == 0 and quarantined == 0
    truth = (data / "sources" / "ground_truth.csv").read_text(encoding="utf-8").strip().splitlines()
    assert len(truth) == 1  # the header only: nothing planted


def test_the_product_names_none_of_the_demo_conventions() -> None:
    """Document numbers, org codes, GL headers and file names reach the product only through
    configuration (seeds, mapping files, config.toml), never through its code or models."""
    roots = [PROJECT_ROOT / "dbt_project" / d for d in ("models", "macros", "tests")] + [
        PROJECT_ROOT / "ingestion"
    ]
    offenders = []
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix not in (".sql", ".yml", ".py") or "mappings" in path.parts:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if DEMO_CONVENTIONS.search(line):
                    offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_convention_check_can_fail(tmp_path) -> None:
    """The pattern above catches what it is meant to catch."""
    for line in (
        "where document_no = 'PINV25000123'",
        "org_code = 'ORG02'",
        "'核算组织' as org",
        "凭证_*.csv",
    ):
        assert DEMO_CONVENTIONS.search(line), line
    assert not DEMO_CONVENTIONS.search("event_type = 'PINV'")  # an event type is the product's own word
