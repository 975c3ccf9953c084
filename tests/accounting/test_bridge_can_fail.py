"""The account bridge is a check that can fail: each of its two routes is tampered with on its
own, and the build must stop. (A bridge that closes by construction would pass all of these.)"""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from ledgerbridge import profile
from ledgerbridge.refresh import RefreshError, run_dbt
from tests.accounting.conftest import build

BRIDGE_NODES = ["recon_account_bridge", "assert_recon_bridge_unexplained_zero"]


def _rebuild_bridge_on_a_copy(built, tmp_path, tamper_sql: str) -> list[dict]:
    """Copy the published warehouse, tamper with one route's table, rebuild only the bridge
    and its test; returns the failed nodes."""
    work = tmp_path / "work" / "warehouse.duckdb"
    work.parent.mkdir()
    shutil.copyfile(built.warehouse, work)
    with duckdb.connect(str(work)) as con:
        con.execute(tamper_sql)
    saved = os.environ.get(profile.ENV)
    os.environ[profile.ENV] = str(built.profile)
    try:
        ok, nodes, _ = run_dbt(work, built.raw, select=BRIDGE_NODES)
    finally:
        if saved is None:
            os.environ.pop(profile.ENV, None)
        else:
            os.environ[profile.ENV] = saved
    failed = [n for n in nodes if n["status"] in ("fail", "error")]
    assert not ok and failed, "the bridge still closed after tampering with one route"
    return failed


def test_untampered_bridge_rebuild_passes(fixture_company_built, tmp_path):
    """The control: rebuilding the bridge on an untouched copy passes (so a failure below is
    caused by the tampering, not by the rebuild)."""
    work = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_company_built.warehouse, work)
    os.environ[profile.ENV] = str(fixture_company_built.profile)
    try:
        ok, nodes, error = run_dbt(work, fixture_company_built.raw, select=BRIDGE_NODES)
    finally:
        os.environ.pop(profile.ENV, None)
    assert ok, error


def test_one_gl_amount_changed_fails_the_bridge(fixture_company_built, tmp_path):
    """The GL route alone reports one cent more on AR in March."""
    failed = _rebuild_bridge_on_a_copy(
        fixture_company_built,
        tmp_path,
        "update intermediate.int_gl_control_movements set gl_movement = gl_movement + 0.01 "
        "where account_code = '1122' and period = '2025-03'",
    )
    assert [n["node_name"] for n in failed] == ["assert_recon_bridge_unexplained_zero"]


def test_one_document_dropped_fails_the_bridge(fixture_company_built, tmp_path):
    """The subledger route alone loses March's raw-material documents (1,008.00 on 1403)."""
    failed = _rebuild_bridge_on_a_copy(
        fixture_company_built,
        tmp_path,
        "delete from intermediate.int_subledger_movements where account_code = '1403' and period = '2025-03'",
    )
    assert [n["node_name"] for n in failed] == ["assert_recon_bridge_unexplained_zero"]


def test_a_posting_rule_defect_fails_the_build(tmp_path):
    """A real defect: input VAT posted at the net amount. The rules no longer agree with the
    documents: the rules-vs-documents test fails (dbt then skips the bridge built on those rules)
    and nothing is published."""
    from ledgerbridge.profile import DEFAULT_SEEDS

    rules = (DEFAULT_SEEDS / "posting_rules.csv").read_text(encoding="utf-8")
    broken = rules.replace("PINV_VAT,PINV,100,,4,INPUT_VAT,D,tax,", "PINV_VAT,PINV,100,,4,INPUT_VAT,D,net,")
    assert broken != rules
    with pytest.raises(RefreshError) as err:
        build(tmp_path, extra_seeds={"posting_rules.csv": broken})
    failed = {n["node_name"] for n in err.value.result.failed_nodes}
    assert "assert_subledger_equals_posting_rules" in failed
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()
