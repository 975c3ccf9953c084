"""The simulator's sources are internally consistent, and every planted anomaly — and nothing
else — shows in them.

Everything is read back from the written files (SQLite, CSV in UTF-8 and GB18030, XLSX,
Parquet), the way ingestion will read them; the ground truth is the answer key.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ledgerbridge.simulator import SimulationConfig, simulate
from ledgerbridge.simulator.erp_schema import TABLES as ERP_SCHEMA

SCALE = 0.5
DOC_RE = re.compile(r"(?<![A-Z0-9])(?:PO|GR|PINV|PAY|SO|DN|SINV|REC|EC)25\d{6}(?!\d)")
CONTROL_ACCOUNTS = {"1122", "220201", "2241"}
STRAY_VOUCHER_NOS = {"9001", ""}  # stray (planted bad) lines never carry a real voucher number


def cents(values) -> np.ndarray:
    """Decimal-like values (text, float or Decimal) -> int64 cents, exactly."""
    return np.array([int((Decimal(str(v)) * 100).to_integral_value()) for v in values], dtype=np.int64)


def _read_xlsx(path: Path) -> pd.DataFrame:
    """An XLSX voucher export as text, the way the CSV exports write it."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    df = pd.DataFrame(rows[1:], columns=rows[0])

    def fmt(v, kind: str) -> str:
        if v == "" or v is None or isinstance(v, str):
            return v or ""
        if kind == "int":
            return str(int(v))
        if kind == "rate":
            return f"{v:.6f}"
        return str(Decimal(repr(float(v))).quantize(Decimal("0.01")))

    for col, kind in (
        ("凭证号", "int"),
        ("分录号", "int"),
        ("原币金额", "money"),
        ("借方", "money"),
        ("贷方", "money"),
        ("汇率", "rate"),
    ):
        df[col] = [fmt(v, kind) for v in df[col]]
    return df.astype(str)


@pytest.fixture(scope="module")
def src(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("sources")
    summary = simulate(SimulationConfig(seed=42, scale=SCALE, out=out))
    con = sqlite3.connect(out / "erp.sqlite")
    erp = {
        t: pd.read_sql(f"SELECT * FROM {t}", con, dtype=str)
        for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    con.close()
    frames = []
    for path in sorted((out / "gl").glob("*/凭证_*")):
        if path.suffix == ".xlsx":
            df = _read_xlsx(path)
        else:
            enc = "utf-8-sig" if "ORG01" in path.name else "gb18030"
            df = pd.read_csv(path, dtype=str, encoding=enc, keep_default_na=False)
        df["file"] = f"gl/{path.parent.name}/{path.name}"
        frames.append(df)
    gl = pd.concat(frames, ignore_index=True).fillna("")
    gl["voucher_id"] = gl["核算组织"] + "-" + gl["会计期间"] + "-" + gl["凭证字"] + "-" + gl["凭证号"]
    stray = gl["凭证号"].isin(STRAY_VOUCHER_NOS)
    exp = {p.stem: pd.read_parquet(p) for p in (out / "expense").glob("*.parquet")}
    truth = pd.read_csv(out / "ground_truth.csv", dtype=str, keep_default_na=False)
    rates = pd.concat(
        [pd.read_csv(p, dtype=str, encoding="utf-8-sig") for p in sorted((out / "gl").glob("*/汇率_*.csv"))]
    )
    parties = pd.read_csv(out / "gl" / "往来单位.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    return {
        "out": out,
        "summary": summary,
        "erp": erp,
        "gl": gl[~stray].copy(),
        "stray": gl[stray].copy(),
        "exp": exp,
        "truth": truth,
        "rates": rates,
        "parties": parties,
    }


def _is_num(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def planted(src: dict, *anomalies: str) -> pd.DataFrame:
    t = src["truth"]
    return t[t["anomaly"].isin(anomalies)]


@pytest.fixture(scope="module")
def refs(src) -> pd.DataFrame:
    """(voucher_id, document_no) for every document number a voucher names in 摘要 or 参考信息."""
    gl = src["gl"]
    text = gl["摘要"] + " " + gl["参考信息"]
    pairs = {(v, d) for v, t in zip(gl["voucher_id"], text, strict=True) for d in DOC_RE.findall(t)}
    return pd.DataFrame(sorted(pairs), columns=["voucher_id", "document_no"])


# --- internal consistency ---------------------------------------------------------------------------


def test_every_table_and_file_is_there(src):
    erp = src["erp"]
    for table in ERP_SCHEMA:
        assert len(erp[table]) > 0, table
    assert set(src["exp"]) == {
        "departments",
        "employees",
        "expense_claims",
        "expense_claim_lines",
        "vat_invoices",
        "approval_steps",
    }
    assert src["gl"]["核算组织"].nunique() == 3 and src["gl"]["会计期间"].nunique() == 12
    assert (src["out"] / "ground_truth.parquet").exists()
    assert src["summary"].tables["erp.purchase_orders"] == len(erp["purchase_orders"])


def test_order_totals_are_the_sum_of_their_lines(src):
    bad = set(planted(src, "bad_row").query("source == 'purchase_order_lines'")["record_key"])
    for head, lines, key in (
        ("purchase_orders", "purchase_order_lines", "po_no"),
        ("sales_orders", "sales_order_lines", "so_no"),
    ):
        ln = src["erp"][lines]
        ln = ln[~(ln[key] + "/" + ln["line_no"]).isin(bad)]
        assert (cents(ln["net_amount"]) == cents(ln["unit_price"]) * cents(ln["quantity"]) // 100).all()
        total = pd.Series(cents(ln["net_amount"]), index=ln[key]).groupby(level=0).sum()
        h = src["erp"][head].set_index(key)
        assert (cents(h["net_amount"]) == total.reindex(h.index).to_numpy()).all(), head


def test_tax_is_net_times_rate_and_gross_is_net_plus_tax(src):
    for table in ("purchase_orders", "sales_orders", "supplier_invoices", "customer_invoices"):
        df = src["erp"][table]
        df = df[df["currency"].isin(["CNY", "USD", "EUR"])]  # planted unknown-currency rows aside
        net, tax, gross = cents(df["net_amount"]), cents(df["tax_amount"]), cents(df["gross_amount"])
        rate_pct = np.round(df["tax_rate"].astype(float).to_numpy() * 100).astype(np.int64)
        expected = np.sign(net) * ((np.abs(net) * rate_pct + 50) // 100)
        assert (tax == expected).all(), table
        assert (gross == net + tax).all(), table
        assert set(rate_pct) <= {0, 13}, table


def test_invoices_are_the_sum_of_their_receipt_lines(src):
    erp = src["erp"]
    mv = erp["inventory_movements"]
    gr_mv = mv[mv["movement_type"] == "GR"].copy()
    gr = erp["goods_receipts"].set_index("gr_no")
    gr_mv["po_no"] = gr_mv["document_no"].map(gr["po_no"])
    gr_mv["line_no"] = gr_mv["movement_id"].str.rsplit("-", n=1).str[1]
    pol = erp["purchase_order_lines"].set_index(["po_no", "line_no"])
    price = cents(pol["unit_price"].reindex(pd.MultiIndex.from_frame(gr_mv[["po_no", "line_no"]])))
    gr_net = (
        pd.Series(cents(gr_mv["quantity"]) * price // 100, index=gr_mv["document_no"]).groupby(level=0).sum()
    )
    real = gr[~gr["receipt_date"].str.match(r"\d{4}-\d{2}-3[2-9]")]
    assert (cents(real["net_amount"]) == gr_net.reindex(real.index).to_numpy()).all()
    inv = erp["supplier_invoices"]
    assert (cents(inv["net_amount"]) == cents(gr["net_amount"].reindex(inv["gr_no"]))).all()
    dn = erp["deliveries"].set_index("delivery_no")
    cinv = erp["customer_invoices"]
    cinv = cinv[cinv["currency"] != "XYZ"]
    assert (cents(cinv["net_amount"]) == cents(dn["net_amount"].reindex(cinv["delivery_no"]))).all()
    claims = src["exp"]["expense_claims"].dropna(subset=["claim_id"]).set_index("claim_id")
    lines = src["exp"]["expense_claim_lines"]
    lines = lines[lines["line_no"] < 90]
    total = lines.groupby("claim_id")["amount"].sum()
    assert (claims["gross_amount"] == total.reindex(claims.index)).all()
    vat = src["exp"]["vat_invoices"]
    assert (vat["amount"] + vat["tax_amount"] == vat["total_amount"]).all()


def test_goods_receipts_never_exceed_ordered_quantities(src):
    erp = src["erp"]
    mv = erp["inventory_movements"]
    gr_mv = mv[mv["movement_type"] == "GR"].copy()
    gr_mv["po_no"] = gr_mv["document_no"].map(erp["goods_receipts"].set_index("gr_no")["po_no"])
    gr_mv["line_no"] = gr_mv["movement_id"].str.rsplit("-", n=1).str[1]
    received = (
        pd.Series(cents(gr_mv["quantity"]), index=pd.MultiIndex.from_frame(gr_mv[["po_no", "line_no"]]))
        .groupby(level=[0, 1])
        .sum()
    )
    ordered = erp["purchase_order_lines"].set_index(["po_no", "line_no"])["quantity"]
    assert (received > 0).all()
    assert (received.to_numpy() <= cents(ordered.reindex(received.index))).all()
    gi = mv[mv["movement_type"] == "GI"]
    assert (cents(gi["quantity"]) < 0).all()


def test_payments_never_exceed_their_invoice(src):
    erp = src["erp"]
    for pay, inv in (("supplier_payments", "supplier_invoices"), ("customer_receipts", "customer_invoices")):
        p = erp[pay]
        paid = pd.Series(cents(p["amount"]), index=p["invoice_no"]).groupby(level=0).sum()
        gross = erp[inv].set_index("invoice_no")["gross_amount"].reindex(paid.index)
        assert gross.notna().all(), pay
        assert (paid.to_numpy() <= cents(gross)).all(), pay
        # a settlement is for the full invoice; the planted installment pairs pay one invoice in two halves
        assert (paid.to_numpy() == cents(gross)).all(), pay
        key = "payment_no" if pay == "supplier_payments" else "receipt_no"
        twice = set(p["invoice_no"][p["invoice_no"].duplicated()])
        amb = set(planted(src, "ambiguous_pair")["document_no"])
        assert twice == set(p.loc[p[key].isin(amb), "invoice_no"]), pay


def test_gl_vouchers_balance(src):
    gl = src["gl"]
    d = pd.Series(cents(gl["借方"].replace("", "0")), index=gl["voucher_id"]).groupby(level=0).sum()
    c = pd.Series(cents(gl["贷方"].replace("", "0")), index=gl["voucher_id"]).groupby(level=0).sum()
    assert len(d) > 1000 * SCALE
    unbalanced = d[d != c]
    assert unbalanced.empty, unbalanced.head()


def test_gl_lines_are_well_formed(src):
    gl = src["gl"]
    assert gl["日期"].str.match(r"^2025-\d{2}-\d{2}$").all()
    assert (gl["日期"].str[:7] == gl["会计期间"]).all()
    assert set(gl["币别"]) <= {"CNY", "USD", "EUR"}
    one_side = (gl["借方"] == "") ^ (gl["贷方"] == "")
    assert one_side.all()
    assert gl["凭证字"].isin(["记", "收", "付", "转"]).all()
    assert set(gl.loc[gl["核算组织"] != "ORG01", "凭证字"]) == {"记"}


# --- planted anomalies, and no others ------------------------------------------------------------------


def _documents(src: dict) -> pd.DataFrame:
    """Every business document that finance should post: (document_no, date, kind)."""
    erp, rows = src["erp"], []
    for table, key, date in (
        ("goods_receipts", "gr_no", "receipt_date"),
        ("supplier_invoices", "invoice_no", "invoice_date"),
        ("supplier_payments", "payment_no", "payment_date"),
        ("deliveries", "delivery_no", "delivery_date"),
        ("customer_invoices", "invoice_no", "invoice_date"),
        ("customer_receipts", "receipt_no", "receipt_date"),
    ):
        df = erp[table]
        df = df[df["status"] != "draft"]
        rows.append(
            pd.DataFrame({"document_no": df[key], "date": df[date], "table": table, "status": df["status"]})
        )
    c = src["exp"]["expense_claims"].dropna(subset=["claim_id"])
    c = c[c["approved_date"].notna()]
    rows.append(
        pd.DataFrame(
            {
                "document_no": c["claim_id"],
                "date": c["approved_date"],
                "table": "expense_claims",
                "status": c["status"],
            }
        )
    )
    return pd.concat(rows, ignore_index=True)


def test_documents_are_posted_once_unless_planted(src, refs):
    """Vouchers per document: one per business event, changed only by the planted anomalies."""
    docs = _documents(src)
    truth = src["truth"]
    fin = truth[(truth["system"] == "finance") & (truth["document_no"] != "")]
    expected = pd.Series(1, index=docs["document_no"])
    claims = src["exp"]["expense_claims"].set_index("claim_id")
    paid = claims.index[claims["paid_date"].notna()]
    expected[expected.index.isin(paid)] += 1  # approval, then payment
    expected[(docs["status"] == "cancelled").to_numpy()] += 1  # the reversal
    for anomaly, delta in (
        ("missing_posting", -1),
        ("reference_missing", -1),
        ("reference_mistyped", -1),
        ("ambiguous_pair", -1),
        ("duplicate_posting", 1),
        ("split_posting", 1),
    ):
        for doc in fin.loc[fin["anomaly"] == anomaly, "document_no"]:
            expected[doc] += delta
    actual = refs.groupby("document_no")["voucher_id"].nunique().reindex(expected.index, fill_value=0)
    wrong = expected[actual != expected]
    assert wrong.empty, pd.DataFrame({"expected": wrong, "actual": actual[wrong.index]}).head(10)
    # and no voucher names a document that does not exist
    assert set(refs["document_no"]) <= set(docs["document_no"])
    # the documents nothing references are exactly the planted unreferenced ones
    unreferenced = set(expected.index[actual == 0])
    planted_docs = set(
        fin.loc[
            fin["anomaly"].isin(
                ["missing_posting", "reference_missing", "reference_mistyped", "ambiguous_pair"]
            ),
            "document_no",
        ]
    )
    assert unreferenced <= planted_docs
    assert all(src["truth"].query("anomaly == 'duplicate_posting'")["voucher_no"].str.count(",") == 1)


def test_mistyped_references_drop_one_digit(src):
    gl = src["gl"]
    tokens = set(re.findall(r"(?:PAY|REC)\d{7}(?!\d)", " ".join(gl["摘要"] + " " + gl["参考信息"])))
    for doc in planted(src, "reference_mistyped")["document_no"]:
        typos = {doc[:i] + doc[i + 1 :] for i in range(len(doc) - 8, len(doc))}
        assert typos & tokens, doc


def test_unreferenced_settlement_vouchers_are_the_planted_ones(src, refs):
    gl = src["gl"]
    settle = gl[gl["摘要"].str.contains("付款|收款|Payment|Receipt") & ~gl["摘要"].str.contains("报销")]
    unref = set(settle["voucher_id"]) - set(refs["voucher_id"])
    expected = planted(src, "reference_missing", "reference_mistyped", "ambiguous_pair")
    assert unref == set(expected["voucher_no"])


def test_ambiguous_pairs_are_identical_installments(src):
    pay = src["erp"]["supplier_payments"].set_index("payment_no")
    amb = pay.loc[planted(src, "ambiguous_pair")["document_no"]]
    assert len(amb) >= 2
    groups = amb.groupby(["org_code", "supplier_code", "amount", "invoice_no"]).size()
    assert (groups == 2).all()


def _event_amounts(src: dict) -> pd.DataFrame:
    """Per (voucher, document): the posted amount of the document's control line, and its rate."""
    gl = src["gl"].copy()
    gl["docs"] = (gl["摘要"] + " " + gl["参考信息"]).map(lambda t: sorted(set(DOC_RE.findall(t))))
    gl = gl[gl["docs"].map(len) == 1].copy()  # batch postings name two documents: checked separately
    gl["document_no"] = gl["docs"].str[0]
    gl["amount"] = cents(gl["原币金额"])
    gl["reversal"] = gl["摘要"].str.startswith(("冲销", "Reversal"))
    kind = gl["document_no"].str.extract(r"^([A-Z]+)")[0]
    account = {
        "GR": "220202",
        "PINV": "220201",
        "PAY": "220201",
        "DN": "6401",
        "SINV": "1122",
        "REC": "1122",
        "EC": "2241",
    }
    gl = gl[gl["科目代码"] == kind.map(account)]
    return gl


def test_posted_amounts_match_documents_unless_planted(src):
    erp, exp = src["erp"], src["exp"]
    docs = (
        pd.concat(
            [
                pd.DataFrame(
                    {
                        "document_no": erp["goods_receipts"]["gr_no"],
                        "amount": cents(erp["goods_receipts"]["net_amount"]),
                    }
                ),
                pd.DataFrame(
                    {
                        "document_no": erp["supplier_invoices"]["invoice_no"],
                        "amount": cents(erp["supplier_invoices"]["gross_amount"]),
                    }
                ),
                pd.DataFrame(
                    {
                        "document_no": erp["supplier_payments"]["payment_no"],
                        "amount": cents(erp["supplier_payments"]["amount"]),
                    }
                ),
                pd.DataFrame(
                    {
                        "document_no": erp["deliveries"]["delivery_no"],
                        "amount": cents(erp["deliveries"]["cost_amount"]),
                    }
                ),
                pd.DataFrame(
                    {
                        "document_no": erp["customer_invoices"]["invoice_no"],
                        "amount": cents(erp["customer_invoices"]["gross_amount"].astype(str)),
                    }
                ),
                pd.DataFrame(
                    {
                        "document_no": erp["customer_receipts"]["receipt_no"],
                        "amount": cents(erp["customer_receipts"]["amount"]),
                    }
                ),
                pd.DataFrame(
                    {
                        "document_no": exp["expense_claims"]["claim_id"],
                        "amount": cents(exp["expense_claims"]["gross_amount"]),
                    }
                ),
            ]
        )
        .dropna()
        .drop_duplicates("document_no")
        .set_index("document_no")["amount"]
    )
    gl = _event_amounts(src)
    gl = gl[~gl["reversal"]]
    posted = gl.groupby(["voucher_id", "document_no"])["amount"].sum().reset_index()
    posted["expected"] = posted["document_no"].map(docs)
    # split postings: two vouchers (net, then tax) that add up to the document
    split = set(planted(src, "split_posting")["document_no"])
    whole = posted[~posted["document_no"].isin(split)]
    differs = set(whole.loc[whole["amount"] != whole["expected"], "document_no"])
    assert differs == set(planted(src, "amount_mismatch")["document_no"]) - _unreferenced(src)
    sp = (
        posted[posted["document_no"].isin(split)]
        .groupby("document_no")
        .agg(n=("voucher_id", "nunique"), amount=("amount", "sum"))
    )
    assert (sp["n"] == 2).all() and (sp["amount"].to_numpy() == docs.reindex(sp.index).to_numpy()).all()


def _unreferenced(src: dict) -> set[str]:
    return set(
        planted(src, "missing_posting", "reference_missing", "reference_mistyped", "ambiguous_pair")[
            "document_no"
        ]
    )


def test_batch_postings_sum_two_receipts(src):
    gl = src["gl"]
    rec = src["erp"]["customer_receipts"].set_index("receipt_no")
    batch = gl[gl["摘要"].str.contains(r"REC25\d{6},REC25\d{6}") & (gl["科目代码"] == "1122")]
    docs = set()
    for text, amount in zip(batch["摘要"], batch["原币金额"], strict=True):
        pair = re.findall(r"REC25\d{6}", text)
        assert len(pair) == 2
        assert cents([amount])[0] == cents(rec.loc[pair, "amount"]).sum()
        docs |= set(pair)
    assert docs == set(planted(src, "batch_posting")["document_no"])


def test_rates_match_the_daily_table_unless_planted(src):
    r = src["rates"]
    table = dict(zip(zip(r["日期"], r["原币"], r["目标币"], strict=True), r["汇率"], strict=True))
    base = src["erp"]["orgs"].set_index("org_code")["base_currency"]
    dates = _documents(src).drop_duplicates("document_no").set_index("document_no")["date"]
    gl = _event_amounts(src)
    gl = gl[~gl["reversal"]]
    foreign = gl[gl["币别"] != gl["核算组织"].map(base)].copy()
    foreign["expected"] = [
        table.get((dates.get(d), c, base[o]))
        for d, c, o in zip(foreign["document_no"], foreign["币别"], foreign["核算组织"], strict=True)
    ]
    assert foreign["expected"].notna().all()
    differs = set(foreign.loc[foreign["汇率"] != foreign["expected"], "document_no"])
    assert differs == set(planted(src, "fx_difference")["document_no"]) - _unreferenced(src)
    assert len(differs) > 0
    # base-currency lines are at 1.000000
    assert (gl.loc[gl["币别"] == gl["核算组织"].map(base), "汇率"] == "1.000000").all()


def test_voucher_periods_match_documents_unless_planted(src):
    docs = _documents(src).drop_duplicates("document_no").set_index("document_no")
    gl = _event_amounts(src)
    gl = gl[~gl["reversal"] & ~gl["document_no"].str.startswith("EC")]  # claims: approval and payment dates
    gl = gl.drop_duplicates("voucher_id")
    late = set(gl.loc[gl["会计期间"] != gl["document_no"].map(docs["date"]).str[:7], "document_no"])
    wrong = planted(src, "wrong_period")
    assert late == set(wrong.loc[wrong["source"] != "expense_claims", "document_no"]) - _unreferenced(src)
    assert late
    # the planted ones land in the following period
    for doc in late:
        period = gl.loc[gl["document_no"] == doc, "会计期间"].iloc[0]
        doc_period = pd.Period(docs.loc[doc, "date"][:7], "M")
        assert period == str(doc_period + 1)


def test_orphan_postings_are_the_only_undocumented_control_account_vouchers(src, refs):
    gl = src["gl"]
    on_control = set(gl.loc[gl["科目代码"].isin(CONTROL_ACCOUNTS), "voucher_id"])
    undocumented = on_control - set(refs["voucher_id"])
    settlements = planted(src, "reference_missing", "reference_mistyped", "ambiguous_pair")
    orphans = undocumented - set(settlements["voucher_no"])
    assert orphans == set(planted(src, "orphan_posting")["voucher_no"])
    assert orphans


def test_counterparty_codes_differ_only_where_planted(src):
    erp = src["erp"]
    erp_codes = set(erp["suppliers"]["supplier_code"]) | set(erp["customers"]["customer_code"])
    parties = src["parties"]
    unknown = parties[~parties["编码"].isin(erp_codes)]
    truth = planted(src, "code_mismatch").set_index("record_key")
    assert set(unknown["编码"]) == set(truth.index)
    for code, tax_id in zip(unknown["编码"], unknown["税号"], strict=True):
        assert (tax_id != "") == (truth.loc[code, "expected_status"] == "mapping"), code
    assert set(truth["expected_status"]) == {"mapping", "unmapped"}
    # the vouchers use only ERP codes and the planted GL codes
    used = set(src["gl"]["供应商"]) | set(src["gl"]["客户"])
    assert used - {""} <= erp_codes | set(truth.index)
    # a mapped code carries the ERP party's tax id
    tax_of = dict(zip(erp["suppliers"]["supplier_code"], erp["suppliers"]["tax_id"], strict=True))
    tax_of |= dict(zip(erp["customers"]["customer_code"], erp["customers"]["tax_id"], strict=True))
    for code, row in truth.iterrows():
        erp_code = row["detail"].split(" ")[6]
        tid = unknown.set_index("编码").loc[code, "税号"]
        assert tid in ("", tax_of[erp_code])


def test_duplicate_vat_invoices_are_only_the_planted_ones(src):
    lines = src["exp"]["expense_claim_lines"]
    lines = lines[lines["line_no"] < 90]
    claims_per_invoice = lines.groupby("invoice_id")["claim_id"].nunique()
    dup_ids = set(claims_per_invoice.index[claims_per_invoice > 1])
    truth = planted(src, "duplicate_vat_invoice")
    assert len(truth) > 0
    assert dup_ids == set(truth["detail"].str.extract(r"VAT invoice (\S+)")[0])
    # the planted record is the second claim's line: one per duplicated invoice
    keyed = lines.assign(key=lines["claim_id"] + "/" + lines["line_no"].astype(str)).set_index("key")
    assert set(truth["record_key"]) <= set(keyed.index)
    assert sorted(keyed.loc[list(truth["record_key"]), "invoice_id"]) == sorted(dup_ids)


def test_planted_bad_rows_are_present_and_malformed(src):
    erp, exp = src["erp"], src["exp"]
    bad = planted(src, "bad_row")
    by = {k: set(g["record_key"]) for k, g in bad.groupby("source")}
    gr = erp["goods_receipts"]
    not_a_date = pd.to_datetime(gr["receipt_date"], format="%Y-%m-%d", errors="coerce").isna()
    assert set(gr.loc[not_a_date, "gr_no"]) == by["goods_receipts"]
    pol = erp["purchase_order_lines"]
    negative = pol[pol["quantity"].astype(float) < 0]
    assert set(negative["po_no"] + "/" + negative["line_no"]) == by["purchase_order_lines"]
    ci = erp["customer_invoices"]
    assert set(ci.loc[~ci["currency"].isin(["CNY", "USD", "EUR"]), "invoice_no"]) == by["customer_invoices"]
    claims = exp["expense_claims"]
    assert claims["claim_id"].isna().sum() == len(bad[bad["source"] == "expense_claims"]) > 0
    ln = exp["expense_claim_lines"]
    bad_dates = pd.to_datetime(ln["expense_date"], format="%Y-%m-%d", errors="coerce").isna()
    assert (
        set(ln.loc[bad_dates, "claim_id"] + "/" + ln.loc[bad_dates, "line_no"].astype(str))
        == by["expense_claim_lines"]
    )
    vat = exp["vat_invoices"]
    assert set(vat.loc[~vat["currency"].isin(["CNY", "USD"]), "invoice_id"]) == by["vat_invoices"]
    # finance: one stray line per affected export file, malformed as stated
    stray = src["stray"]
    gl_bad = bad[bad["system"] == "finance"]
    assert set(stray["file"]) == set(gl_bad["source"])
    assert len(stray) == len(gl_bad)
    for _, row in gl_bad.iterrows():
        line = stray[stray["file"] == row["source"]].iloc[0]
        if row["reason"] == "non_numeric_amount":
            assert not _is_num(line["借方"].replace(",", ""))
        elif row["reason"] == "missing_key":
            assert line["凭证号"] == ""
        else:
            assert row["reason"] == "truncated_line"
            assert line["科目名称"] == "" and line["制单人"] == ""


def test_ground_truth_vocabulary(src):
    truth = src["truth"]
    parquet = pd.read_parquet(src["out"] / "ground_truth.parquet")
    assert len(parquet) == len(truth)
    assert list(truth.columns) == [
        "anomaly",
        "system",
        "org",
        "period",
        "source",
        "record_key",
        "document_no",
        "voucher_no",
        "event_type",
        "expected_status",
        "reason",
        "detail",
    ]
    counts = Counter(truth["anomaly"])
    for anomaly in (
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
        "code_mismatch",
        "duplicate_vat_invoice",
        "bad_row",
    ):
        assert counts[anomaly] > 0, anomaly
    status = truth.groupby("anomaly")["expected_status"].agg(set).to_dict()
    assert status["missing_posting"] == {"missing_in_gl"}
    assert status["bad_row"] == {"quarantine"}
    assert status["code_mismatch"] == {"mapping", "unmapped"}
    assert status["orphan_posting"] == {"missing_in_business"}
    assert status["duplicate_vat_invoice"] == {"duplicate_invoice"}
    assert status["ambiguous_pair"] <= {"ambiguous", "matched"}
    assert set(truth["system"]) == {"erp", "finance", "expense"}
