"""Reconciliation and voucher proposals on the demo warehouse, judged against the simulator's ground truth."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ledgerbridge.scorecard import RECON_STATUSES, score
from ledgerbridge.vouchers import as_gl_export, export_bytes, proposal_lines

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def card(built_warehouse):
    return score(built_warehouse.warehouse, built_warehouse.sources / "ground_truth.parquet")


def test_every_planted_anomaly_is_found_with_its_status(card) -> None:
    misses = card.misses[["anomaly", "document_no", "voucher_no", "expected_status", "found_status"]]
    assert misses.empty, misses.to_string()
    assert (card.per_anomaly["recall"] == 1.0).all()
    # Each kind of recon anomaly was actually planted, so the check cannot pass vacuously.
    assert {
        "missing_posting",
        "amount_mismatch",
        "duplicate_posting",
        "wrong_period",
        "fx_difference",
        "orphan_posting",
        "reference_missing",
        "reference_mistyped",
        "ambiguous_pair",
        "split_posting",
        "batch_posting",
        "amount_off_by_cent",
        "window_edge_inside",
        "window_edge_outside",
    } <= set(card.per_anomaly["anomaly"])


def test_nothing_unplanted_is_flagged(card) -> None:
    wrong = card.per_status[card.per_status["precision"] < 1.0]
    assert wrong.empty, wrong.to_string()
    assert card.unbalanced_proposals == 0


def test_every_event_leg_and_control_line_has_exactly_one_status(built_warehouse) -> None:
    with built_warehouse.connect() as con:
        legs = con.execute(
            "select count(*), count(distinct leg_id) from intermediate.int_recon_event_legs"
        ).fetchone()
        leg_status = con.execute(
            "select count(*), count(distinct leg_id) from reconciliation.recon_event_leg_status"
            " where recon_status in ?",
            [RECON_STATUSES],
        ).fetchone()
        control = con.execute("select count(*) from core.fct_gl_lines where is_control_account").fetchone()[0]
        gl_status = con.execute(
            "select count(distinct gl_line_id) from reconciliation.recon_gl_line_status"
            " where recon_status in ?",
            [RECON_STATUSES],
        ).fetchone()[0]
    assert legs[0] == legs[1] == leg_status[0] == leg_status[1]
    assert control == gl_status > 0


def test_account_bridges_close_and_tie_to_the_gl(built_warehouse) -> None:
    categories = " + ".join(s for s in RECON_STATUSES if s != "matched")
    with built_warehouse.connect() as con:  # exact DECIMAL arithmetic in SQL, not floats
        open_gaps = con.execute(f"""
            select count(*) from reconciliation.recon_account_bridge
            where unexplained <> 0 or matched_difference <> 0
               or difference <> {categories} + matched_difference + unexplained
               or difference <> gl_closing - subledger_closing""").fetchone()[0]
        untied = con.execute("""
            with last as (
                select org_code, control_account, gl_closing,
                       row_number() over (partition by org_code, control_account order by period desc) as rn
                from reconciliation.recon_account_bridge
            ), gl as (
                select org_code, account_code as control_account, sum(debit - credit) as balance
                from core.fct_gl_lines where is_control_account group by all
            )
            select count(*) from last left join gl using (org_code, control_account)
            where rn = 1 and gl_closing <> coalesce(balance, 0)""").fetchone()[0]
        moved = con.execute("""select count(*) filter (where missing_in_gl <> 0),
                                      count(*) filter (where timing <> 0)
                               from reconciliation.recon_account_bridge""").fetchone()
    assert open_gaps == 0
    assert untied == 0
    # The planted anomalies really move the bridge, so the checks above are not vacuous.
    assert moved[0] > 0 and moved[1] > 0


def test_proposals_balance_with_stable_ids_and_lineage(built_warehouse, card) -> None:
    with built_warehouse.connect() as con:
        heads = con.execute("select * from vouchers.voucher_proposals").df()
        lines = con.execute("select * from vouchers.voucher_proposal_lines").df()
        missing = con.execute("""select count(*) from reconciliation.recon_document_status
                                 where recon_status = 'missing_in_gl'""").fetchone()[0]
        unbalanced = con.execute("""select count(*) from (
                                        select proposal_id from vouchers.voucher_proposal_lines
                                        group by proposal_id
                                        having sum(debit) <> sum(credit))""").fetchone()[0]
    assert len(heads) == card.proposals == missing > 0
    assert unbalanced == 0
    for row in heads.head(20).itertuples():  # the id is a hash of the rule set and the event's source key
        digest = hashlib.md5(f"{row.rule_set}|{row.event_id}".encode()).hexdigest().upper()
        assert row.proposal_id == f"LB{digest}"[:18]
    assert lines["rule_id"].notna().all() and lines["source_document_no"].notna().all()
    closed_shift = heads[heads["period_shifted"]]
    assert (closed_shift["target_period"] > closed_shift["event_period"]).all()


def test_export_in_the_import_layout(built_warehouse) -> None:
    lines = proposal_lines(built_warehouse.warehouse)
    csv = pd.read_csv(io.BytesIO(export_bytes(lines, "csv")), encoding="utf-8-sig", dtype=str)
    assert list(csv.columns) == [
        "凭证日期",
        "凭证字",
        "凭证号",
        "摘要",
        "科目代码",
        "借方金额",
        "贷方金额",
        "币别",
        "原币金额",
        "汇率",
        "辅助核算",
        "参考信息",
    ]
    assert set(csv["参考信息"]) == set(lines["proposal_id"])
    per_voucher = csv.assign(d=csv["借方金额"].astype(float), c=csv["贷方金额"].astype(float)).groupby(
        "参考信息"
    )
    assert ((per_voucher["d"].sum() - per_voucher["c"].sum()).abs() < 0.005).all()
    xlsx = pd.read_excel(io.BytesIO(export_bytes(lines, "xlsx")), dtype=str, engine="calamine")
    assert len(xlsx) == len(csv)
    vouchers = json.loads(export_bytes(lines, "json"))
    assert len(vouchers) == lines["proposal_id"].nunique()


def _document_statuses(warehouse: Path) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(
            con.execute(
                "select recon_status, count(*) from reconciliation.recon_document_status group by 1"
            ).fetchall()
        )


def test_posting_the_proposals_clears_missing_in_gl(built_warehouse, tmp_path: Path, monkeypatch) -> None:
    """Import the proposals into the GL as finance would and re-run: no document is missing any
    more, every other status stays as it was, and no new proposal appears."""
    from ledgerbridge.refresh import refresh

    before = _document_statuses(built_warehouse.warehouse)
    sources = tmp_path / "data" / "sources"
    shutil.copytree(built_warehouse.sources, sources)
    lines = proposal_lines(built_warehouse.warehouse)
    export = as_gl_export(lines)
    for (org, period), part in export.groupby(["核算组织", "会计期间"]):
        path = sources / "gl" / period / f"凭证_{org}_{period}_import.csv"
        part.to_csv(path, index=False, encoding="utf-8-sig")
    monkeypatch.setenv("LEDGERBRIDGE_DATA_DIR", str(tmp_path / "data"))
    for var in ("LEDGERBRIDGE_WAREHOUSE", "LEDGERBRIDGE_RAW"):
        monkeypatch.delenv(var, raising=False)
    refresh(sources_dir=sources)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    after = _document_statuses(warehouse)
    assert before.get("missing_in_gl", 0) > 0
    assert after.get("missing_in_gl", 0) == 0
    for status in RECON_STATUSES:
        if status not in ("matched", "missing_in_gl"):
            assert after.get(status, 0) == before.get(status, 0), status
    assert after["matched"] == before["matched"] + before["missing_in_gl"]
    assert score(warehouse, sources / "ground_truth.parquet").proposals == 0
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert (
            con.execute(
                "select count(*) from reconciliation.recon_account_bridge where unexplained <> 0"
            ).fetchone()[0]
            == 0
        )


@pytest.fixture(scope="module")
def world_ledger(built_warehouse):
    """The simulator's own ledger (ledgerbridge.simulator.ledger: the correct posting of every
    document, computed in NumPy independently of the dbt posting rules), cut at the as-of date."""
    from ledgerbridge.simulator.calendar import DEFAULT_AS_OF, day_of
    from ledgerbridge.simulator.world import build_world

    world = build_world(42, 1.0)
    events = world.events[world.events["day"] <= day_of(DEFAULT_AS_OF)]
    legs = world.legs.merge(
        events[["event_id", "event_type", "doc_no", "org_code", "is_reversal"]], on="event_id"
    )
    legs["signed"] = legs["amount_base"].where(legs["side"] == "D", -legs["amount_base"])
    return world, legs


def test_subledger_closing_equals_the_simulators_ledger(built_warehouse, world_ledger) -> None:
    """Every control account's subledger closing (dbt, from the documents) equals the sum of the
    simulator's correct postings of the same documents, to the cent."""
    world, legs = world_ledger
    with built_warehouse.connect() as con:
        got = con.execute("""
            select org_code, control_account, subledger_closing from reconciliation.recon_account_bridge
            qualify row_number() over (partition by org_code, control_account order by period desc) = 1
        """).df()
    expected = legs.groupby(["org_code", "account_code"])["signed"].sum()
    checked = 0
    for row in got.itertuples():
        want = int(expected.get((row.org_code, row.control_account), 0))
        assert round(float(row.subledger_closing) * 100) == want, (row.org_code, row.control_account)
        checked += want != 0
    assert checked >= 25  # most org × account pairs carry a balance: the comparison is not vacuous


def test_proposals_are_the_simulators_postings_line_by_line(built_warehouse, world_ledger) -> None:
    """Each proposed voucher is, line by line (account, side, party, amount), what the simulated
    finance team should have posted for that document."""
    _, legs = world_ledger
    with built_warehouse.connect() as con:
        lines = con.execute("""
            select event_id, account_code, case when debit <> 0 then 'D' else 'C' end as side,
                   coalesce(supplier_code, customer_code, employee_code) as party,
                   round((debit + credit) * 100)::bigint as cents, rule_id
            from vouchers.voucher_proposal_lines""").df()
    assert len(lines) > 50 and (lines["rule_id"] != "ROUNDING").all()
    lines[["event_type", "doc_no", "kind"]] = lines["event_id"].str.split("|", expand=True)
    legs = legs.assign(
        kind=legs["is_reversal"].map({True: "R", False: "O"}),
        party=legs["supplier_code"].fillna(legs["customer_code"]).fillna(legs["employee_code"]),
    )
    key = ["event_type", "doc_no", "kind", "account_code", "side", "party"]
    got = lines.groupby(key, dropna=False)["cents"].sum()
    want = legs[legs["doc_no"].isin(set(lines["doc_no"]))].groupby(key, dropna=False)["amount_base"].sum()
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False, check_dtype=False)


def test_every_posting_of_every_document_equals_the_simulators_ledger(built_warehouse, world_ledger) -> None:
    """The posting rules, applied to every event of the demo, give line by line (account, side,
    party, amount) what the simulator's own ledger books — the whole engine checked by a second
    route, not only the proposals."""
    _, legs = world_ledger
    with built_warehouse.connect() as con:
        lines = con.execute("""
            select event_id, account_code, side,
                   coalesce(supplier_code, customer_code, employee_code) as party,
                   round(amount_base * 100)::bigint as cents
            from intermediate.int_event_posting_lines""").df()
    lines[["event_type", "doc_no", "kind"]] = lines["event_id"].str.split("|", expand=True)
    legs = legs.assign(
        kind=legs["is_reversal"].map({True: "R", False: "O"}),
        party=legs["supplier_code"].fillna(legs["customer_code"]).fillna(legs["employee_code"]),
    )
    key = ["event_type", "doc_no", "kind", "account_code", "side", "party"]
    got = lines.groupby(key, dropna=False)["cents"].sum()
    want = legs.groupby(key, dropna=False)["amount_base"].sum()
    diff = pd.concat([got.rename("dbt"), want.rename("ledger")], axis=1).fillna(0)
    wrong = diff[diff["dbt"] != diff["ledger"]]
    assert wrong.empty, wrong.head(20).to_string()
    assert len(diff) > 10_000


def test_every_bank_account_mapping_row_is_used_by_a_document(built_warehouse) -> None:
    """Each BANK_ACCOUNT row of the mapping seed carries at least one document of the demo, so a
    wrong row (a USD account mapped to the CNY sub-account) changes a posting the test above
    compares."""
    with built_warehouse.connect() as con:
        rows = con.execute("""
            select m.match_key, count(distinct e.event_id) as events
            from seeds.posting_account_mappings m
            left join intermediate.int_event_measures e
                on e.bank_account like replace(m.match_key, '*', '%')
            where m.mapping_set = 'BANK_ACCOUNT'
            group by 1""").fetchall()
    assert rows and all(events > 0 for _, events in rows), rows
