"""The simulator as a whole: deterministic bytes, volume that grows with the scale, a moving world
(as-of steps add, amend and cancel; a later as-of gives the bytes of a fresh run), the same ERP
rows in SQLite, PostgreSQL and MariaDB, and the command line."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from simulator_files import read_erp, read_expense, read_truth, simulated
from typer.testing import CliRunner

from ledgerbridge.cli import app
from ledgerbridge.simulator import SimulationConfig, simulate
from ledgerbridge.simulator.erp_schema import TABLES, metadata

MAIN_SCALE = 0.5  # the sources' world: the moving world ends where it is
CLI_SCALE = 0.125
ERP_KEYS = {t: pk for t, (pk, _) in TABLES.items()}
MASTER = ("orgs", "suppliers", "customers", "materials")
SERVER_DB = "ledgerbridge_simtests"  # this module's own database on the local servers


def hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under a folder (ERP SQLite, GL CSV/XLSX, expense Parquet, ground truth)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def main(tmp_path_factory) -> Path:
    return simulated(tmp_path_factory, seed=42, scale=MAIN_SCALE)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "src"
    result = CliRunner().invoke(app, ["simulate", "--scale", str(CLI_SCALE), "--out", str(out)])
    return result, out


def _purchase_orders(out: Path) -> pd.DataFrame:
    con = sqlite3.connect(out / "erp.sqlite")
    try:
        return pd.read_sql("SELECT supplier_code, net_amount FROM purchase_orders ORDER BY po_no", con)
    finally:
        con.close()


def test_another_seed_gives_different_data(main, tmp_path_factory):
    other = simulated(tmp_path_factory, seed=43, scale=MAIN_SCALE)
    a, c = hashes(main), hashes(other)
    different = [name for name in a if a[name] != c.get(name)]
    assert "erp.sqlite" in different and "ground_truth.csv" in different
    assert any(n.startswith("gl/2025-06/凭证_") for n in different)
    assert any(n.startswith("expense/") for n in different)
    assert not _purchase_orders(main).equals(_purchase_orders(other))


def _volume(out: Path) -> tuple[int, int]:
    """Business document rows that grow with the business (monthly service invoices and their
    payments are fixed per org and month, so supplier invoices count their goods kind only)."""
    erp = read_erp(out / "erp.sqlite")
    goods = erp["supplier_invoices"]["invoice_kind"] == "goods"
    goods_nos = set(erp["supplier_invoices"].loc[goods, "invoice_no"])
    rows = sum(
        len(erp[t])
        for t in (
            "purchase_orders",
            "purchase_order_lines",
            "sales_orders",
            "sales_order_lines",
            "goods_receipts",
            "goods_receipt_lines",
            "deliveries",
            "customer_invoices",
            "customer_receipts",
            "customer_receipt_allocations",
            "inventory_movements",
        )
    )
    rows += int(goods.sum()) + int(erp["supplier_invoice_lines"]["invoice_no"].isin(goods_nos).sum())
    exp = read_expense(out)
    return rows, len(exp["expense_claims"]) + len(exp["expense_claim_lines"])


def test_volume_grows_linearly_with_scale(cli_run, main):
    assert cli_run[0].exit_code == 0, cli_run[0].output
    small, large = _volume(cli_run[1]), _volume(main)
    for kind in (0, 1):
        assert large[kind] / small[kind] == pytest.approx(MAIN_SCALE / CLI_SCALE, rel=0.12), kind
    # scale 1 is about 20k business document lines
    assert 8_000 < large[0] < 12_500


# --- the moving world ------------------------------------------------------------------------------


def _cut(main: Path) -> dt.date:
    """An early as-of date that falls between an invoice's approval and its cancellation (so
    that stepping forward cancels it), with later periods still to come."""
    erp = read_erp(main / "erp.sqlite")
    inv = pd.concat([erp["supplier_invoices"], erp["customer_invoices"]])
    gone = inv[inv["status"] == "cancelled"]
    approved = pd.to_datetime(gone["invoice_date"])
    cancelled = pd.to_datetime(gone["updated_at"].str[:10])
    ok = (cancelled - approved >= pd.Timedelta(days=2)) & (cancelled <= pd.Timestamp("2025-11-15"))
    return (cancelled[ok].max() - pd.Timedelta(days=1)).date()


@pytest.fixture(scope="module")
def moved(main, tmp_path_factory) -> dict:
    """A folder simulated at an early as-of, then moved to the default as-of in place."""
    cut = _cut(main)
    folder = tmp_path_factory.mktemp("moved")
    simulate(SimulationConfig(seed=42, scale=MAIN_SCALE, out=folder, as_of=cut))
    before = {
        "hashes": hashes(folder),
        "mtimes": mtimes(folder),
        "erp": read_erp(folder / "erp.sqlite"),
        "truth": read_truth(folder),
        "expense": read_expense(folder),
    }
    simulate(SimulationConfig(seed=42, scale=MAIN_SCALE, out=folder))
    return {"cut": cut, "before": before, "folder": folder}


def _flat(df: pd.DataFrame, key: list[str]) -> pd.Series:
    """Row keys as the ground truth writes them (``PO25000001/2`` for two-part keys)."""
    out = df[key[0]].astype(str)
    for k in key[1:]:
        out = out + "/" + df[k].astype(str)
    return out


def test_moving_world_adds_amends_and_cancels(moved):
    before, after = moved["before"]["erp"], read_erp(moved["folder"] / "erp.sqlite")
    truth = pd.concat([read_truth(moved["folder"]), moved["before"]["truth"]])
    bad_keys = set(truth.loc[truth["anomaly"] == "bad_row", "record_key"])
    transitions: set[tuple[str, str]] = set()
    for table, key in ERP_KEYS.items():
        # planted bad rows are copies of a random real row at each cut: quarantined, not compared
        b = before[table][~_flat(before[table], key).isin(bad_keys)].dropna(subset=key).set_index(key)
        a = after[table][~_flat(after[table], key).isin(bad_keys)].dropna(subset=key).set_index(key)
        assert set(b.index) <= set(a.index), f"{table}: rows disappeared"
        if table not in MASTER:
            assert len(a) > len(b), f"{table}: no rows added"
        common = a.loc[b.index]
        content = [c for c in b.columns if c != "updated_at"]
        same = (common[content].fillna("") == b[content].fillna("")).all(axis=1)
        # a changed row moves its updated_at forward; an unchanged one keeps it (lines and
        # allocations carry their document's updated_at, so they may move forward with it)
        assert (common.loc[~same, "updated_at"] > b.loc[~same, "updated_at"]).all(), table
        if table.endswith(("_lines", "_allocations")):
            assert (common["updated_at"] >= b["updated_at"]).all(), table
        else:
            assert (common.loc[same, "updated_at"] == b.loc[same, "updated_at"]).all(), table
        if "status" in b.columns:
            changed = b["status"] != common["status"]
            transitions |= set(zip(b.loc[changed, "status"], common.loc[changed, "status"], strict=True))
    assert ("draft", "approved") in transitions
    assert ("approved", "cancelled") in transitions
    assert transitions <= {("draft", "approved"), ("approved", "cancelled"), ("draft", "cancelled")}
    # the expense store moves too: new claims, claim payments and advances; claims progress
    eb, ea = moved["before"]["expense"], read_expense(moved["folder"])
    for entity in ("expense_claims", "claim_payments", "claim_payment_lines", "employee_advances"):
        assert len(ea[entity]) > len(eb[entity]), entity
    cb = eb["expense_claims"].dropna(subset=["claim_id"]).set_index("claim_id")
    ca = ea["expense_claims"].dropna(subset=["claim_id"]).set_index("claim_id")
    progressed = ca.loc[cb.index, "status"] != cb["status"]
    assert progressed.any()
    assert (ca.loc[cb.index[progressed], "updated_at"] > cb.loc[progressed, "updated_at"]).all()
    assert (ca.loc[cb.index[~progressed], "updated_at"] == cb.loc[~progressed, "updated_at"]).all()


def test_moving_world_leaves_past_gl_periods_untouched(moved):
    cut = pd.Period(moved["cut"], "M")
    before, after = moved["before"]["hashes"], hashes(moved["folder"])
    mt_before, mt_after = moved["before"]["mtimes"], mtimes(moved["folder"])
    settled = [n for n in before if n.startswith("gl/20") and pd.Period(n[3:10], "M") <= cut - 2]
    settled += [n for n in before if n.startswith(f"gl/{cut - 1}/") and "期间状态" not in n]
    assert len(settled) >= 5 * (cut - pd.Period("2024-01", "M")).n - 1
    for name in settled:
        assert after[name] == before[name], name
        assert mt_after[name] == mt_before[name], name
    # later periods appear; the cut's period closes
    assert any(n.startswith("gl/2025-12/") for n in after) and not any(
        n.startswith("gl/2025-12/") for n in before
    )
    status = pd.read_csv(moved["folder"] / "gl" / str(cut) / f"期间状态_{cut}.csv", encoding="utf-8-sig")
    assert set(status["状态"]) == {"closed"}


def test_a_later_as_of_gives_the_bytes_of_a_fresh_run(moved, main):
    """Moving a folder from an early as-of to the default one gives exactly the bytes of a fresh
    run at the default as-of (the same seed gives the same bytes, whatever the history)."""
    fresh = hashes(main)
    assert hashes(moved["folder"]) == fresh
    assert "erp.sqlite" in fresh and "ground_truth.parquet" in fresh and "ground_truth.csv" in fresh
    assert {"xlsx", "csv", "parquet", "sqlite", "json"} <= {name.rsplit(".", 1)[-1] for name in fresh}


# --- the ERP on real database servers ----------------------------------------------------------------


def _own_database(url: str) -> str:
    """This module's database on the server of ``url`` (created when missing)."""
    base = sa.engine.make_url(url)
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as con:
            if base.get_backend_name() == "postgresql":
                exists = con.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": SERVER_DB}
                ).first()
                if not exists:
                    con.execute(sa.text(f'CREATE DATABASE "{SERVER_DB}"'))
            else:
                con.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS `{SERVER_DB}`"))
    finally:
        engine.dispose()
    return base.set(database=SERVER_DB).render_as_string(hide_password=False)


def _rows(url: str, table: str) -> list[tuple]:
    md = metadata()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as con:
            rows = con.execute(sa.select(md.tables[table])).all()
    finally:
        engine.dispose()

    def norm(v):
        if isinstance(v, dt.datetime):
            return v.replace(microsecond=0).isoformat(" ")
        return v

    return sorted((tuple(norm(v) for v in r) for r in rows), key=lambda r: tuple(str(v) for v in r))


@pytest.mark.parametrize("server", ["postgres_url", "mariadb_url"])
def test_server_erp_holds_the_same_rows_as_sqlite(server, request, cli_run, tmp_path_factory):
    url = _own_database(request.getfixturevalue(server))
    out = simulated(tmp_path_factory, seed=42, scale=CLI_SCALE, erp_url=url)
    sqlite = f"sqlite:///{cli_run[1] / 'erp.sqlite'}"
    for table in TABLES:
        expected, actual = _rows(sqlite, table), _rows(url, table)
        assert len(actual) == len(expected) > 0, table
        assert actual == expected, table
    # decimals are exact on the server
    engine = sa.create_engine(url)
    with engine.connect() as con:
        col = con.execute(sa.text("SELECT amount FROM supplier_payment_allocations")).scalars().all()
    engine.dispose()
    assert col and all(v == v.quantize(type(v)("0.01")) for v in col)
    # and the files written alongside are the bytes of a run without a server
    assert hashes(out) == hashes(cli_run[1])


# --- the command line -----------------------------------------------------------------------------------


def test_cli_simulate_prints_steps_and_a_summary(cli_run):
    result, out = cli_run
    assert result.exit_code == 0, result.output
    text = result.stdout
    for step in (
        "world generated",
        "ERP database written",
        "GL exports written",
        "expense store written",
        "ground truth written",
    ):
        assert step in text
    assert "erp.purchase_orders" in text and "erp.supplier_payment_allocations" in text and "total" in text
    assert str(out) in text.replace("\n", "")
    assert (out / "erp.sqlite").exists() and (out / "gl" / "2025-01").is_dir()


def test_cli_simulate_writes_a_house_style_and_a_clean_world(tmp_path):
    out = tmp_path / "src"
    result = CliRunner().invoke(
        app, ["simulate", "--scale", "0.1", "--style", "qinghe", "--clean", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert read_truth(out).empty and list((out / "gl").glob("*/凭证_*.xlsx"))
