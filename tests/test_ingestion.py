"""Ingestion (issue 4): the three dlt pipelines against the simulator's ground truth.

Simulator data is generated once per session at a small scale; each test loads into its own
raw DuckDB file (dlt state is kept per raw file, so tests do not share cursors).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ledgerbridge.errors import SourceError
from ledgerbridge.simulator.erp_schema import TABLES as ERP_SCHEMA

SCALE = 0.3
AS_OF_EARLY = "2025-09-30"


def _simulate(out: Path, as_of: str | None = None, erp_url: str | None = None) -> None:
    import datetime as dt

    from ledgerbridge.simulator import SimulationConfig, simulate

    simulate(
        SimulationConfig(
            seed=42,
            scale=SCALE,
            out=out,
            as_of=dt.date.fromisoformat(as_of) if as_of else None,
            erp_url=erp_url,
        )
    )


@pytest.fixture(scope="session")
def ing_env(tmp_path_factory: pytest.TempPathFactory):
    """A session-wide data folder for dlt's pipeline state (never the project's data/)."""
    mp = pytest.MonkeyPatch()
    data = tmp_path_factory.mktemp("ingest_data")
    mp.setenv("LEDGERBRIDGE_DATA_DIR", str(data))
    for var in (
        "SOURCES__ERP__URL",
        "SOURCES__EXPENSE__BASE_URL",
        "SOURCES__EXPENSE__TOKEN",
        "SOURCES__FINANCE__BUCKET_URL",
        "LEDGERBRIDGE_EXPENSE_TOKEN",
        "LEDGERBRIDGE_RAW",
    ):
        mp.delenv(var, raising=False)
    yield data
    mp.undo()


@pytest.fixture(scope="session")
def src(ing_env: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sources")
    _simulate(out)
    return out


@pytest.fixture(scope="session")
def truth(src: Path) -> pd.DataFrame:
    gt = pd.read_parquet(src / "ground_truth.parquet")
    return gt[(gt["anomaly"] == "bad_row") & (gt["expected_status"] == "quarantine")]


@pytest.fixture(scope="session")
def loaded(src: Path, tmp_path_factory: pytest.TempPathFactory):
    from ingestion import run_ingest

    raw = tmp_path_factory.mktemp("raw") / "raw.duckdb"
    first = run_ingest(sources_dir=src, raw_path=raw)
    return raw, first


def q(raw: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(raw), read_only=True) as con:
        return con.execute(sql).fetchall()


def sqlite_count(src: Path, table: str) -> int:
    with sqlite3.connect(src / "erp.sqlite") as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


ERP_TABLES = list(ERP_SCHEMA)
EXPENSE = [
    "departments",
    "employees",
    "expense_claims",
    "expense_claim_lines",
    "vat_invoices",
    "approval_steps",
    "employee_advances",
    "claim_payments",
    "claim_payment_lines",
]


# -- full load ----------------------------------------------------------------------------------


def test_full_load_counts_match_sources(loaded, src, truth):
    raw, report = loaded
    assert report.ok
    bad = truth.groupby("source").size().to_dict()
    for t in ERP_TABLES:
        n = q(raw, f"SELECT count(*) FROM raw_erp.{t}")[0][0]
        assert n == sqlite_count(src, t) - bad.get(t, 0), t
    import pyarrow.parquet as pq

    for e in EXPENSE:
        n = q(raw, f"SELECT count(*) FROM raw_expense.{e}")[0][0]
        assert n == pq.read_metadata(src / "expense" / f"{e}.parquet").num_rows - bad.get(e, 0), e
    gl_bad = int((truth["system"] == "finance").sum())
    lines = q(raw, "SELECT count(*) FROM raw_finance.gl_voucher_lines")[0][0]
    from ingestion.gl import detect_encoding, read_csv, read_xlsx

    expected = 0
    for f in sorted((src / "gl").glob("*/凭证_*")):
        data = f.read_bytes()
        if f.suffix == ".xlsx":
            expected += read_xlsx(data).num_rows
        else:
            table, invalid = read_csv(data, detect_encoding(data))
            expected += table.num_rows + len(invalid)
    assert lines == expected - gl_bad
    assert q(raw, "SELECT count(*) FROM raw_finance.gl_accounts")[0][0] > 0
    assert q(raw, "SELECT count(*) FROM raw_finance.gl_period_status")[0][0] > 0


def test_types_follow_the_contract(loaded):
    raw, _ = loaded
    types = dict(
        ((s, t, c), d)
        for s, t, c, d in q(
            raw,
            """
        SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema LIKE 'raw_%' AND table_schema NOT LIKE '%staging'""",
        )
    )
    assert types[("raw_erp", "purchase_orders", "net_amount")] == "DECIMAL(18,2)"
    assert types[("raw_erp", "purchase_orders", "tax_rate")] == "DECIMAL(6,4)"
    assert types[("raw_erp", "purchase_orders", "order_date")] == "DATE"
    assert types[("raw_erp", "purchase_orders", "updated_at")] == "TIMESTAMP"
    assert types[("raw_erp", "purchase_order_lines", "quantity")] == "DECIMAL(18,3)"
    assert types[("raw_erp", "suppliers", "tax_id")] == "VARCHAR"
    assert types[("raw_finance", "gl_voucher_lines", "debit")] == "DECIMAL(18,2)"
    assert types[("raw_finance", "gl_voucher_lines", "fx_rate")] == "DECIMAL(18,6)"
    assert types[("raw_finance", "gl_voucher_lines", "voucher_date")] == "DATE"
    assert types[("raw_finance", "gl_voucher_lines", "account_code")] == "VARCHAR"
    assert types[("raw_finance", "gl_voucher_lines", "source_file")] == "VARCHAR"
    assert types[("raw_expense", "vat_invoices", "amount")] == "DECIMAL(18,2)"
    assert types[("raw_expense", "expense_claims", "claim_date")] == "DATE"
    for schema in ("raw_erp", "raw_finance", "raw_expense"):
        assert (schema, "quarantine", "raw_record") in types
        assert (schema, "orgs" if schema == "raw_erp" else "quarantine", "_dlt_load_id") in types
    # debit/credit empty cells are 0, every line has exactly one side
    assert (
        q(raw, "SELECT count(*) FROM raw_finance.gl_voucher_lines WHERE debit IS NULL OR credit IS NULL")[0][
            0
        ]
        == 0
    )
    # money is exact: sums match the SQLite source to the cent
    assert q(raw, "SELECT sum(debit) = sum(credit) FROM raw_finance.gl_voucher_lines")[0][0]


def test_amounts_and_codes_equal_the_erp_source(loaded, src):
    raw, _ = loaded
    with sqlite3.connect(src / "erp.sqlite") as con:
        want = pd.read_sql("SELECT so_no, net_amount, tax_amount, updated_at FROM sales_orders", con)
    got = pd.DataFrame(
        q(raw, "SELECT so_no, net_amount, tax_amount, updated_at FROM raw_erp.sales_orders"),
        columns=["so_no", "net_amount", "tax_amount", "updated_at"],
    )
    m = want.merge(got, on="so_no", suffixes=("_src", "_raw"))
    assert len(m) == len(want)
    assert (m["net_amount_src"].round(2) == m["net_amount_raw"].astype(float)).all()
    assert (pd.to_datetime(m["updated_at_src"]) == pd.to_datetime(m["updated_at_raw"])).all()
    codes = [r[0] for r in q(raw, "SELECT supplier_code FROM raw_erp.suppliers")]
    assert all(isinstance(c, str) for c in codes)


def test_run_log_has_a_row_per_source_and_table(loaded):
    raw, report = loaded
    rows = q(
        raw,
        f"""SELECT source, table_name, status, rows_loaded, rows_quarantined FROM ops.run_log
                      WHERE run_id = '{report.run_id}'""",
    )
    assert len(rows) == len(ERP_TABLES) + 5 + len(EXPENSE)
    assert {r[2] for r in rows} == {"success"}
    by = {(r[0], r[1]): r for r in rows}
    assert by[("erp", "goods_receipts")][4] > 0
    assert by[("finance", "gl_voucher_lines")][3] > 0


# -- quarantine ------------------------------------------------------------------------------------


def _quarantine(raw: Path) -> pd.DataFrame:
    rows = []
    for schema in ("raw_erp", "raw_finance", "raw_expense"):
        rows += q(
            raw,
            f"SELECT source_name, table_name, source_location, record_key, reason, raw_record "
            f"FROM {schema}.quarantine",
        )
    return pd.DataFrame(
        rows, columns=["system", "table_name", "location", "record_key", "reason", "raw_record"]
    )


def test_quarantine_is_exactly_the_planted_bad_rows(loaded, truth):
    raw, _ = loaded
    got = _quarantine(raw)
    got["source"] = [
        loc if s == "finance" else t
        for s, t, loc in zip(got["system"], got["table_name"], got["location"], strict=True)
    ]
    assert len(got) == len(truth)
    keyed = truth["reason"] != "missing_key"
    # rows with a key: same (system, source, record key, reason)
    want = set(map(tuple, truth.loc[keyed, ["system", "source", "record_key", "reason"]].to_numpy()))
    have = set(map(tuple, got[["system", "source", "record_key", "reason"]].to_numpy()))
    assert want <= have
    # rows without a key: same count per (system, source, reason); GL keeps its templated key
    for cols, g in truth[~keyed].groupby(["system", "source", "reason"]):
        match = got[(got["system"] == cols[0]) & (got["source"] == cols[1]) & (got["reason"] == cols[2])]
        assert len(match) == len(g), cols
        if cols[0] == "finance":
            assert set(match["record_key"]) == set(g["record_key"])
    assert got["raw_record"].str.startswith("{").all()


def test_rerun_changes_nothing(loaded, src):
    from ingestion import run_ingest

    raw, _ = loaded

    def snapshot() -> dict:
        out = {}
        for schema, tables in (
            ("raw_erp", ERP_TABLES),
            ("raw_expense", EXPENSE),
            ("raw_finance", ["gl_voucher_lines", "gl_fx_rates", "gl_accounts"]),
        ):
            for t in [*tables, "quarantine"]:
                out[f"{schema}.{t}"] = q(raw, f"SELECT count(*) FROM {schema}.{t}")[0][0]
        return out

    before = snapshot()
    second = run_ingest(sources_dir=src, raw_path=raw)
    assert second.ok
    assert snapshot() == before
    # no duplicate keys anywhere
    assert (
        q(raw, "SELECT count(*) - count(DISTINCT (po_no, line_no)) FROM raw_erp.purchase_order_lines")[0][0]
        == 0
    )
    assert (
        q(
            raw,
            """SELECT count(*) - count(DISTINCT (org_code, period, voucher_word, voucher_no, line_no))
                     FROM raw_finance.gl_voucher_lines""",
        )[0][0]
        == 0
    )
    assert q(raw, "SELECT count(*) - count(DISTINCT claim_id) FROM raw_expense.expense_claims")[0][0] == 0
    # an unchanged ERP is not re-read
    assert second.source("erp").rows == 0


def test_a_rebuilt_raw_file_gets_a_full_load_and_a_shrunk_export_is_held_back_until_accepted(src, tmp_path):
    """Deleting the raw file must not leave incremental state behind that skips old rows. A GL file
    exported again with its last voucher line missing is held back (its rows stay, the run says
    which file, lines before and after); accepted, it replaces that file's lines."""
    import shutil

    from ingestion import run_ingest

    sources = tmp_path / "sources"
    shutil.copytree(src, sources)
    raw = tmp_path / "raw.duckdb"
    first = run_ingest(["finance"], sources_dir=sources, raw_path=raw)
    raw.unlink()
    rebuilt = run_ingest(["finance"], sources_dir=sources, raw_path=raw)
    assert rebuilt.source("finance").rows == first.source("finance").rows > 0

    export = sorted((sources / "gl").glob("*/凭证_ORG01_*.csv"))[-1]
    rel = export.relative_to(sources / "gl").as_posix()
    body = export.read_bytes().rstrip(b"\r\n").split(b"\r\n")
    export.write_bytes(b"\r\n".join(body[:-1]) + b"\r\n")
    before = q(raw, "SELECT count(*), sum(debit) FROM raw_finance.gl_voucher_lines")[0]
    held = run_ingest(["finance"], sources_dir=sources, raw_path=raw)
    assert held.source("finance").rows == 0
    assert q(raw, "SELECT count(*), sum(debit) FROM raw_finance.gl_voucher_lines")[0] == before
    [warning] = held.warnings
    n = len(body) - 1  # lines under the header
    assert f"gl/{rel} held back (file_shrunk, unbalanced_voucher)" in warning
    assert f"{n:,} lines before, {n - 1:,} now" in warning and "--accept-file" in warning
    reasons = q(raw, f"SELECT reason FROM raw_finance.quarantine WHERE record_key = '{rel}'")
    assert reasons == [("file_shrunk",)]

    again = run_ingest(["finance"], sources_dir=sources, raw_path=raw, accept_files=[rel])
    assert again.source("finance").rows == n - 1  # only the re-exported file
    assert not again.warnings
    assert q(raw, "SELECT count(*) FROM raw_finance.gl_voucher_lines")[0][0] == before[0] - 1
    assert q(raw, f"SELECT count(*) FROM raw_finance.quarantine WHERE record_key = '{rel}'")[0][0] == 0
    accepted = q(raw, f"SELECT check_name, detail FROM ops.data_quality WHERE record_key = '{rel}'")
    assert accepted and accepted[0][0] == "accepted_file" and "file_shrunk" in accepted[0][1]


# -- formats -------------------------------------------------------------------------------------


def test_gb18030_csv_is_detected_and_read(loaded, src):
    from ingestion.gl import detect_encoding

    f = next((src / "gl").glob("*/凭证_ORG02_*.csv"))
    data = f.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert detect_encoding(data) == "gb18030"
    raw, _ = loaded
    rel = f.relative_to(src / "gl").as_posix()
    rows = q(
        raw, f"SELECT summary, voucher_word FROM raw_finance.gl_voucher_lines WHERE source_file = '{rel}'"
    )
    text = data.decode("gb18030")
    assert len(rows) > 0
    assert rows[0][0] in text and rows[0][1] in ("记", "收", "付", "转")


def test_xlsx_vouchers_are_read(loaded, src):
    from ingestion.gl import read_xlsx

    f = next((src / "gl").glob("*/凭证_ORG03_*.xlsx"))
    sheet = read_xlsx(f.read_bytes())
    assert sheet.column_names[0] == "核算组织"
    raw, _ = loaded
    rel = f.relative_to(src / "gl").as_posix()
    n, codes = q(
        raw,
        f"""SELECT count(*), count(DISTINCT account_code) FROM raw_finance.gl_voucher_lines
                          WHERE source_file = '{rel}'""",
    )[0]
    bad = sheet.column(4).null_count  # rows without a voucher number are quarantined
    assert n == sheet.num_rows - bad and codes > 1


# -- moving world --------------------------------------------------------------------------------


def test_moving_world_picks_up_amended_new_and_cancelled_rows(ing_env, tmp_path):
    from ingestion import run_ingest

    out = tmp_path / "sources"
    raw = tmp_path / "raw.duckdb"
    _simulate(out, as_of=AS_OF_EARLY)
    run_ingest(sources_dir=out, raw_path=raw)
    docs = {
        "sales_orders": "so_no",
        "purchase_orders": "po_no",
        "supplier_invoices": "invoice_no",
        "customer_invoices": "invoice_no",
        "goods_receipts": "gr_no",
        "deliveries": "delivery_no",
    }

    def doc_state() -> dict:
        return {
            (t, k): (st, ts)
            for t, key in docs.items()
            for k, st, ts in q(raw, f"SELECT {key}, status, updated_at FROM raw_erp.{t}")
        }

    early = doc_state()
    shutil.copy(out / "erp.sqlite", tmp_path / "early.sqlite")
    early_lines = q(raw, "SELECT count(*) FROM raw_finance.gl_voucher_lines")[0][0]
    _simulate(out)  # the world moves on to the default as-of date
    second = run_ingest(sources_dir=out, raw_path=raw)
    assert second.ok
    gt = pd.read_parquet(out / "ground_truth.parquet")
    bad = gt[(gt["anomaly"] == "bad_row") & (gt["expected_status"] == "quarantine")].groupby("source").size()
    with sqlite3.connect(out / "erp.sqlite") as con:
        for t, key in (
            ("sales_orders", "so_no"),
            ("supplier_invoices", "invoice_no"),
            ("goods_receipts", "gr_no"),
            ("purchase_order_lines", "po_no, line_no"),
        ):
            want = set(
                con.execute(f"SELECT {key}, status, updated_at FROM {t}").fetchall()
                if "status" in [r[1] for r in con.execute(f"PRAGMA table_info({t})")]
                else con.execute(f"SELECT {key}, quantity, updated_at FROM {t}").fetchall()
            )
            cols = "status" if t != "purchase_order_lines" else "quantity"
            have = q(raw, f"SELECT {key}, {cols}, strftime(updated_at, '%Y-%m-%d %H:%M:%S') FROM raw_erp.{t}")
            want_norm = {
                (*r[:-2], r[-2] if cols == "status" else float(r[-2]), str(r[-1])[:19]) for r in want
            }
            have_norm = {(*r[:-2], r[-2] if cols == "status" else float(r[-2]), r[-1]) for r in have}
            assert len(have_norm) == len(want_norm) - int(bad.get(t, 0)), t
            assert have_norm <= want_norm, t
    late = doc_state()
    assert len(late) > len(early)  # new documents
    assert set(early) <= set(late)
    # exactly the documents the source changed between the two worlds changed in raw
    with sqlite3.connect(tmp_path / "early.sqlite") as a, sqlite3.connect(out / "erp.sqlite") as b:
        src_changed, src_cancelled = set(), set()
        for t, key in docs.items():
            before = {r[0]: r[1:] for r in a.execute(f"SELECT {key}, status, updated_at FROM {t}")}
            after = {r[0]: r[1:] for r in b.execute(f"SELECT {key}, status, updated_at FROM {t}")}
            src_changed |= {
                (t, k) for k in before if k in after and before[k] != after[k] and (t, k) in early
            }
            src_cancelled |= {
                (t, k)
                for k in before
                if (t, k) in early and after.get(k, ("",))[0] == "cancelled" and before[k][0] != "cancelled"
            }
    amended = {k for k in early if early[k] != late[k]}
    assert amended == src_changed and amended, "amended documents are updated in place"
    newly_cancelled = {k for k in early if late[k][0] == "cancelled" and early[k][0] != "cancelled"}
    assert newly_cancelled == src_cancelled
    assert any(v[0] == "cancelled" for v in late.values())
    assert q(raw, "SELECT count(*) FROM raw_finance.gl_voucher_lines")[0][0] > early_lines
    assert (
        q(
            raw,
            """SELECT count(*) - count(DISTINCT (org_code, period, voucher_word, voucher_no, line_no))
                     FROM raw_finance.gl_voucher_lines""",
        )[0][0]
        == 0
    )
    import pyarrow.parquet as pq

    for e in ("expense_claims", "vat_invoices"):
        n = q(raw, f"SELECT count(*) FROM raw_expense.{e}")[0][0]
        assert n == pq.read_metadata(out / "expense" / f"{e}.parquet").num_rows - int(bad.get(e, 0)), e
    # quarantine: exactly the planted rows of the late world, no duplicates from the early run
    got = _quarantine(raw)
    assert len(got) == int(bad.sum())


# -- expense API ---------------------------------------------------------------------------------


def test_api_pagination_and_retry(src, tmp_path, monkeypatch):
    from ingestion import run_ingest
    from ledgerbridge.expense_api import running_server

    raw = tmp_path / "raw.duckdb"
    monkeypatch.setenv("SOURCES__EXPENSE__PAGE_SIZE", "200")
    monkeypatch.setenv("SOURCES__EXPENSE__REQUEST_BACKOFF_FACTOR", "0.05")
    with running_server(src, token="s3cret") as server:
        monkeypatch.setenv("SOURCES__EXPENSE__BASE_URL", server.base_url)
        monkeypatch.setenv("SOURCES__EXPENSE__TOKEN", "s3cret")
        server.fail_next(503, count=2)
        server.fail_next(429, count=1, retry_after=0)
        report = run_ingest(["expense"], sources_dir=src, raw_path=raw)
        log = list(server.request_log)
    assert report.ok
    statuses = [s for _, s in log]
    assert statuses[:3] == [503, 503, 429] and statuses[3] == 200
    pages = [p for p, s in log if p.endswith("/expense_claim_lines") and s == 200]
    n = q(raw, "SELECT count(*) FROM raw_expense.expense_claim_lines")[0][0]
    assert len(pages) >= 2 and len(pages) == -(-(n + 1) // 200)  # every page fetched once (one bad row)
    assert q(raw, "SELECT count(*) - count(DISTINCT claim_id) FROM raw_expense.expense_claims")[0][0] == 0


def test_api_bad_token_fails_clearly_then_good_token_loads(src, tmp_path, monkeypatch):
    from ingestion import run_ingest
    from ledgerbridge.expense_api import running_server

    raw = tmp_path / "raw.duckdb"
    with running_server(src, token="right") as server:
        monkeypatch.setenv("SOURCES__EXPENSE__BASE_URL", server.base_url)
        monkeypatch.setenv("SOURCES__EXPENSE__TOKEN", "wrong")
        with pytest.raises(SourceError) as err:
            run_ingest(["expense"], sources_dir=src, raw_path=raw)
        msg = str(err.value)
        assert msg.startswith("expense: ") and "401" in msg and "\n" not in msg
        assert err.value.source == "expense"
        monkeypatch.setenv("SOURCES__EXPENSE__TOKEN", "right")
        report = run_ingest(["expense"], sources_dir=src, raw_path=raw)
    assert report.ok and report.source("expense").rows > 0
    log = q(raw, "SELECT status, table_name, error FROM ops.run_log ORDER BY started_at")
    assert log[0][0] == "failed" and log[0][1] is None and "401" in log[0][2]
    assert {r[0] for r in log[1:]} == {"success"}


# -- failed run, then a good one -----------------------------------------------------------------


def test_unreadable_file_fails_the_source_and_the_next_run_recovers(src, tmp_path):
    from ingestion import run_ingest

    out = tmp_path / "sources"
    shutil.copytree(src, out)
    raw = tmp_path / "raw.duckdb"
    run_ingest(["erp"], sources_dir=out, raw_path=raw)
    erp_rows = q(raw, "SELECT count(*) FROM raw_erp.sales_orders")[0][0]
    victim = next((out / "gl").glob("*/凭证_ORG03_*.xlsx"))
    good_bytes = victim.read_bytes()
    victim.write_bytes(b"this is not a workbook")
    with pytest.raises(SourceError) as err:
        run_ingest(["finance", "erp"], sources_dir=out, raw_path=raw)
    msg = str(err.value)
    assert msg.startswith("finance: ") and victim.name in msg and "\n" not in msg
    # earlier data intact, the other source still ran
    assert q(raw, "SELECT count(*) FROM raw_erp.sales_orders")[0][0] == erp_rows
    assert err.value.report.source("erp").status == "success"
    victim.write_bytes(good_bytes)
    report = run_ingest(["finance"], sources_dir=out, raw_path=raw)
    assert report.ok and report.source("finance").rows > 0
    status = q(raw, "SELECT source, status FROM ops.run_log WHERE table_name IS NULL")
    assert status == [("finance", "failed")]


def test_erp_server_down_fails_the_source_clearly_and_keeps_its_data(src, tmp_path, monkeypatch):
    from ingestion import run_ingest

    raw = tmp_path / "raw.duckdb"
    run_ingest(["erp"], sources_dir=src, raw_path=raw)
    before = q(raw, "SELECT count(*), sum(gross_amount) FROM raw_erp.sales_orders")
    # nothing listens on port 1 of the loopback address
    monkeypatch.setenv("SOURCES__ERP__URL", "postgresql://ledgerbridge@127.0.0.1:1/erp")
    with pytest.raises(SourceError) as err:
        run_ingest(["erp"], sources_dir=src, raw_path=raw)
    msg = str(err.value)
    assert msg.startswith("erp: ") and "127.0.0.1" in msg and "\n" not in msg
    assert q(raw, "SELECT count(*), sum(gross_amount) FROM raw_erp.sales_orders") == before
    monkeypatch.delenv("SOURCES__ERP__URL")
    assert run_ingest(["erp"], sources_dir=src, raw_path=raw).ok  # no stuck package


def test_cli_ingest_prints_a_summary(src, tmp_path):
    from typer.testing import CliRunner

    from ledgerbridge.cli import app

    raw = tmp_path / "raw.duckdb"
    res = CliRunner().invoke(app, ["ingest", "--source", "erp", "--sources-dir", str(src), "--raw", str(raw)])
    assert res.exit_code == 0, res.output
    assert "rows/s" in res.output and "erp.sales_orders" in res.output
    res = CliRunner().invoke(
        app, ["ingest", "--source", "nope", "--sources-dir", str(src), "--raw", str(raw)]
    )
    assert res.exit_code == 2


def test_dlt_does_not_import_streamlit_to_look_for_its_secrets(tmp_path):
    """Without .dlt/secrets.toml dlt would import Streamlit (about a second) on every ingest."""
    import subprocess
    import sys

    code = (
        "import sys, ingestion\n"
        "from dlt.common.configuration.providers.toml import SecretsTomlProvider\n"
        f"SecretsTomlProvider({str(tmp_path)!r}, {str(tmp_path)!r})\n"
        "assert 'streamlit' not in sys.modules, 'streamlit imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]


def test_api_pages_convert_in_bulk_with_the_text_the_api_sent():
    from ingestion.config import IngestConfig
    from ingestion.expense import _page_table

    spec = next(s for s in IngestConfig.load().tables("expense") if s.name == "expense_claim_lines")
    page = [
        {"claim_id": 101, "line_no": 1, "amount": "12.50", "description": "taxi"},
        {"claim_id": 102, "line_no": 2, "amount": "3.00", "note": "late"},  # no description, a new field
        {"claim_id": 103, "line_no": 3, "amount": None, "description": None},
    ]
    table = _page_table(page, spec)
    assert table.column_names == ["claim_id", "line_no", "amount", "description", "note"]
    assert table.column("claim_id").to_pylist() == ["101", "102", "103"]  # a code is text
    assert table.column("line_no").to_pylist() == [1, 2, 3]
    assert table.column("amount").to_pylist() == ["12.50", "3.00", None]
    assert table.column("description").to_pylist() == ["taxi", None, None]
    assert table.column("note").to_pylist() == [None, "late", None]
    # a field with mixed types is all text; a float code keeps Python's spelling
    mixed = _page_table([{"claim_id": 1.5, "line_no": 1}, {"claim_id": "X", "line_no": "2"}], spec)
    assert mixed.column("claim_id").to_pylist() == ["1.5", "X"]
    assert mixed.column("line_no").to_pylist() == ["1", "2"]
    floats = _page_table([{"claim_id": 1.0, "line_no": 1}], spec)
    assert floats.column("claim_id").to_pylist() == ["1.0"]


def test_gl_files_read_in_threads_come_back_in_listing_order_and_errors_surface():
    import threading
    import time as _time

    from ingestion.gl import _in_threads

    in_flight, most = 0, 0
    lock = threading.Lock()

    def work(i: int) -> int:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        _time.sleep(0.01 * (i % 3))
        with lock:
            in_flight -= 1
        if i == 7:
            raise ValueError("file 7 is unreadable")
        return i * 10

    out = _in_threads(work, list(range(7)), workers=2)
    assert list(out) == [i * 10 for i in range(7)]
    assert most == 2  # both workers were busy at once, never more
    with pytest.raises(ValueError, match="file 7"):
        list(_in_threads(work, list(range(10)), workers=2))
