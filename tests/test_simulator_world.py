"""The simulator as a whole: deterministic bytes, linear scale, a moving world, and the same ERP
rows in SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from ledgerbridge.cli import app
from ledgerbridge.simulator import SimulationConfig, simulate
from ledgerbridge.simulator.erp_schema import TABLES, metadata
from ledgerbridge.simulator.erp_schema import TABLES as ERP_SCHEMA

SCALE = 0.3
MOVING_SCALE = 1.0  # enough documents for every kind of change to straddle the early cut
EARLY = dt.date(2025, 9, 30)
ERP_KEYS = {t: pk for t, (pk, _) in TABLES.items()}


def hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under a folder (ERP SQLite, GL CSV/XLSX, expense Parquet, ground truth)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def erp_tables(path: Path) -> dict[str, pd.DataFrame]:
    con = sqlite3.connect(path)
    try:
        return {t: pd.read_sql(f"SELECT * FROM {t}", con, dtype=str) for t in TABLES}
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """One simulation per case, shared by the tests of this module."""
    base = tmp_path_factory.mktemp("world")
    out: dict = {}
    for name, seed, scale, as_of in (
        ("a", 42, SCALE, None),
        ("b", 42, SCALE, None),
        ("other_seed", 43, SCALE, None),
        ("early", 42, MOVING_SCALE, EARLY),
        ("late", 42, MOVING_SCALE, None),
    ):
        simulate(SimulationConfig(seed=seed, scale=scale, out=base / name, as_of=as_of))
        out[name] = base / name
    # the moving world: the early cut, then the default as-of into the same folder
    moved = base / "moved"
    simulate(SimulationConfig(seed=42, scale=MOVING_SCALE, out=moved, as_of=EARLY))
    out["moved_before"] = {
        "hashes": hashes(moved),
        "mtimes": mtimes(moved),
        "erp": erp_tables(moved / "erp.sqlite"),
        "truth": pd.read_csv(moved / "ground_truth.csv", dtype=str, keep_default_na=False),
        "expense": {p.stem: pd.read_parquet(p) for p in (moved / "expense").glob("*.parquet")},
    }
    simulate(SimulationConfig(seed=42, scale=MOVING_SCALE, out=moved))
    out["moved"] = moved
    return out


def test_same_seed_gives_the_same_bytes(runs):
    a, b = hashes(runs["a"]), hashes(runs["b"])
    assert a == b
    assert "erp.sqlite" in a and "ground_truth.parquet" in a and "ground_truth.csv" in a
    assert {"xlsx", "csv", "parquet", "sqlite"} <= {name.rsplit(".", 1)[-1] for name in a}


def test_another_seed_gives_different_data(runs):
    a, c = hashes(runs["a"]), hashes(runs["other_seed"])
    different = [name for name in a if a[name] != c.get(name)]
    assert "erp.sqlite" in different and "ground_truth.csv" in different
    assert any(n.startswith("gl/2025-06/凭证_") for n in different)
    assert any(n.startswith("expense/") for n in different)
    pa = erp_tables(runs["a"] / "erp.sqlite")["purchase_orders"]
    pc = erp_tables(runs["other_seed"] / "erp.sqlite")["purchase_orders"]
    assert not pa[["supplier_code", "net_amount"]].equals(pc[["supplier_code", "net_amount"]])


def test_volume_grows_linearly_with_scale(tmp_path):
    documents = [t for t in ERP_SCHEMA if t not in ("orgs", "suppliers", "customers", "materials")]
    totals = {}
    for scale in (0.5, 1.0, 2.0):
        summary = simulate(SimulationConfig(seed=42, scale=scale, out=tmp_path / str(scale)))
        erp = sum(summary.tables[f"erp.{t}"] for t in documents)
        expense = summary.tables["expense.expense_claims"] + summary.tables["expense.expense_claim_lines"]
        totals[scale] = (erp, expense)
    for kind in (0, 1):
        assert totals[1.0][kind] / totals[0.5][kind] == pytest.approx(2, rel=0.1)
        assert totals[2.0][kind] / totals[1.0][kind] == pytest.approx(2, rel=0.1)
    # scale 1 is about 20k business document lines
    assert 15_000 < totals[1.0][0] < 25_000


def _keyed(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    df = df.dropna(subset=key)
    return df.set_index(key)


def _flat(index: pd.Index) -> pd.Index:
    """Row keys as the ground truth writes them (``PO25000001/2`` for two-part keys)."""
    if isinstance(index, pd.MultiIndex):
        return pd.Index(["/".join(map(str, k)) for k in index])
    return index


def test_moving_world_adds_amends_and_cancels(runs):
    before = runs["moved_before"]["erp"]
    after = erp_tables(runs["moved"] / "erp.sqlite")
    truth = pd.read_csv(runs["moved"] / "ground_truth.csv", dtype=str, keep_default_na=False)
    truth = pd.concat([truth, runs["moved_before"]["truth"]])
    bad_keys = set(truth.loc[truth["anomaly"] == "bad_row", "record_key"])
    transitions: set[tuple[str, str]] = set()
    for table, key in ERP_KEYS.items():
        b, a = _keyed(before[table], key), _keyed(after[table], key)
        # planted bad rows are copies of a random real row at each cut: quarantined, not compared
        b, a = b[~_flat(b.index).isin(bad_keys)], a[~_flat(a.index).isin(bad_keys)]
        assert set(b.index) <= set(a.index), f"{table}: rows disappeared"
        if table in (
            "purchase_orders",
            "goods_receipts",
            "supplier_invoices",
            "customer_invoices",
            "sales_orders",
        ):
            assert len(a) > len(b), f"{table}: no rows added"
        common = a.loc[b.index]
        content = [c for c in b.columns if c != "updated_at"]
        same = (common[content].fillna("") == b[content].fillna("")).all(axis=1)
        # a changed row moves its updated_at forward; an unchanged one keeps it (order lines
        # follow their order's updated_at, so they may move forward with it)
        assert (common.loc[~same, "updated_at"] > b.loc[~same, "updated_at"]).all(), table
        if table.endswith("_order_lines"):
            assert (common["updated_at"] >= b["updated_at"]).all(), table
        else:
            assert (common.loc[same, "updated_at"] == b.loc[same, "updated_at"]).all(), table
        if "status" in b.columns:
            changed = b["status"] != common["status"]
            transitions |= set(zip(b.loc[changed, "status"], common.loc[changed, "status"], strict=True))
    assert ("draft", "approved") in transitions
    assert ("approved", "cancelled") in transitions
    assert transitions <= {("draft", "approved"), ("approved", "cancelled"), ("draft", "cancelled")}
    # the expense store moves too: new claims, and claims that progressed
    cb = runs["moved_before"]["expense"]["expense_claims"].dropna(subset=["claim_id"]).set_index("claim_id")
    ca = pd.read_parquet(runs["moved"] / "expense" / "expense_claims.parquet").dropna(subset=["claim_id"])
    ca = ca.set_index("claim_id")
    assert len(ca) > len(cb)
    progressed = ca.loc[cb.index, "status"] != cb["status"]
    assert progressed.any()
    assert (ca.loc[cb.index[progressed], "updated_at"] > cb.loc[progressed, "updated_at"]).all()
    assert (ca.loc[cb.index[~progressed], "updated_at"] == cb.loc[~progressed, "updated_at"]).all()


def test_moving_world_leaves_past_gl_periods_untouched(runs):
    before, after = runs["moved_before"]["hashes"], hashes(runs["moved"])
    mt_before, mt_after = runs["moved_before"]["mtimes"], mtimes(runs["moved"])
    past = [n for n in before if n.startswith("gl/2025-0") and n[3:10] <= "2025-08"]
    past += [n for n in before if n.startswith("gl/2025-09/") and "期间状态" not in n]
    assert len(past) >= 8 * 5
    for name in past:
        assert after[name] == before[name], name
        assert mt_after[name] == mt_before[name], name
    # later periods appear; September closes
    assert any(n.startswith("gl/2025-12/") for n in after) and not any(
        n.startswith("gl/2025-12/") for n in before
    )
    status = pd.read_csv(runs["moved"] / "gl" / "2025-09" / "期间状态_2025-09.csv", encoding="utf-8-sig")
    assert set(status["状态"]) == {"closed"}


def test_moving_world_is_deterministic(runs):
    """Moving a folder from an early as-of to a later one gives the bytes of a fresh run at each date."""
    assert runs["moved_before"]["hashes"] == hashes(runs["early"])
    assert hashes(runs["moved"]) == hashes(runs["late"])


# --- the ERP on real database servers ---------------------------------------------------------------------


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


@pytest.fixture(scope="module")
def sqlite_erp(runs) -> str:
    return f"sqlite:///{runs['a'] / 'erp.sqlite'}"


@pytest.mark.parametrize("server", ["postgres_url", "mariadb_url"])
def test_server_erp_holds_the_same_rows_as_sqlite(server, request, sqlite_erp, tmp_path):
    url = request.getfixturevalue(server)
    simulate(SimulationConfig(seed=42, scale=SCALE, out=tmp_path, erp_url=url))
    for table in TABLES:
        expected, actual = _rows(sqlite_erp, table), _rows(url, table)
        assert len(actual) == len(expected) > 0, table
        assert actual == expected, table
    # decimals are exact on the server
    engine = sa.create_engine(url)
    with engine.connect() as con:
        col = con.execute(sa.text("SELECT net_amount FROM purchase_orders")).scalars().all()
    engine.dispose()
    assert all(v == v.quantize(type(v)("0.01")) for v in col)


# --- the command line ---------------------------------------------------------------------------------------


def test_cli_simulate_prints_steps_and_a_summary(tmp_path):
    out = tmp_path / "src"
    result = CliRunner().invoke(app, ["simulate", "--scale", "0.2", "--out", str(out)])
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
    assert "erp.purchase_orders" in text and "total" in text
    assert str(out) in text.replace("\n", "")
    assert (out / "erp.sqlite").exists() and (out / "gl" / "2025-01").is_dir()
