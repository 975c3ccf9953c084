"""Read the simulator's written sources back the way ingestion reads them: the SQLite ERP, the GL
export folder (CSV in UTF-8 or GB18030, XLSX per ledger, or one workbook per period holding every
ledger), the expense store's Parquet files and the ground truth.

Also one simulation per configuration for the whole test session (``simulated``), so the test
modules share the runs they have in common.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ledgerbridge.simulator import SimulationConfig, simulate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS = ROOT / "dbt_project" / "seeds"
PROFILES = ROOT / "profiles"
#: stray (planted bad) GL lines never carry a real voucher number
STRAY_VOUCHER_NOS = {"9001", ""}
PER_ORG_HEADERS = [
    "核算组织",
    "日期",
    "会计期间",
    "凭证字",
    "凭证号",
    "分录号",
    "摘要",
    "科目代码",
    "科目名称",
    "币别",
    "原币金额",
    "借方",
    "贷方",
    "汇率",
    "供应商",
    "客户",
    "职员",
    "部门",
    "参考信息",
    "制单人",
]
WORKBOOK_HEADERS = [
    "账套",
    "制单日期",
    "凭证类别",
    "凭证编号",
    "行号",
    "摘要",
    "科目编码",
    "科目名称",
    "币种",
    "原币金额",
    "汇率",
    "金额",
    "方向",
    "供应商名称",
    "客户名称",
    "职员",
    "部门",
    "备注",
    "制单人",
]

_RUNS: dict[tuple, Path] = {}


def simulated(factory: pytest.TempPathFactory, **config) -> Path:
    """The output folder of one simulation per configuration, run once per test session."""
    key = tuple(sorted(config.items()))
    if key not in _RUNS:
        out = factory.mktemp("sim")
        simulate(SimulationConfig(out=out, **config))
        _RUNS[key] = out
    return _RUNS[key]


# --- values -------------------------------------------------------------------------------------


def _cent(v) -> int:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v == ""):
        return 0
    if isinstance(v, float):
        v = repr(v)
    return int((Decimal(str(v).replace(",", "")) * 100).to_integral_value())


def cents(values) -> np.ndarray:
    """Decimal-like values (text with or without thousands separators, float, Decimal; empty = 0)
    -> int64 cents, exactly."""
    return np.array([_cent(v) for v in values], dtype=np.int64)


def milli(values) -> np.ndarray:
    """Quantities -> int64 thousandths, exactly."""
    return np.array([int((Decimal(str(v)) * 1000).to_integral_value()) for v in values], dtype=np.int64)


def micro(values) -> np.ndarray:
    """Rates as text ("7.181200") -> int64 millionths."""
    return np.array([int((Decimal(str(v)) * 1_000_000).to_integral_value()) for v in values], dtype=np.int64)


def round_half_away(num: np.ndarray, den) -> np.ndarray:
    """Integer ``num / den`` rounded half away from zero (exact Python integers)."""
    out = []
    for n, d in zip(np.asarray(num).tolist(), np.broadcast_to(den, np.shape(num)).tolist(), strict=True):
        q = (abs(n) * 2 + d) // (2 * d)
        out.append(q if n >= 0 else -q)
    return np.array(out, dtype=np.int64)


def convert(amount_cents, rate_micro) -> np.ndarray:
    """An amount at a rate (millionths), rounded half away from zero to the cent."""
    a = np.asarray(amount_cents, dtype=object) * np.asarray(rate_micro, dtype=object)
    return round_half_away(np.asarray(a, dtype=object), 1_000_000)


def prorate(total, part_cum, whole) -> np.ndarray:
    """``total × part_cum ÷ whole`` rounded half away from zero (cumulative pro rata)."""
    num = np.asarray(total, dtype=object) * np.asarray(part_cum, dtype=object)
    return round_half_away(num, np.asarray(whole, dtype=object))


# --- the three systems --------------------------------------------------------------------------


def read_erp(path: Path) -> dict[str, pd.DataFrame]:
    """Every ERP table as text, value by value as stored (missing values stay None)."""
    con = sqlite3.connect(path)
    try:
        names = [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out = {}
        for t in names:
            cur = con.execute(f"SELECT * FROM {t}")
            cols = [d[0] for d in cur.description]
            rows = [[None if v is None else str(v) for v in r] for r in cur.fetchall()]
            out[t] = pd.DataFrame(rows, columns=cols, dtype=object)
        return out
    finally:
        con.close()


def read_expense(out: Path) -> dict[str, pd.DataFrame]:
    """Every entity of the expense store."""
    return {p.stem: pd.read_parquet(p) for p in sorted((out / "expense").glob("*.parquet"))}


def read_truth(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "ground_truth.csv", dtype=str, keep_default_na=False)


def read_rates(out: Path) -> dict[tuple[str, str, str], int]:
    """(date, from, to) -> rate in millionths, from the GL's daily rate files."""
    r = pd.concat(
        [pd.read_csv(p, dtype=str, encoding="utf-8-sig") for p in sorted((out / "gl").glob("*/汇率_*.csv"))]
    )
    return dict(
        zip(zip(r["日期"], r["原币"], r["目标币"], strict=True), micro(r["汇率"]).tolist(), strict=True)
    )


def _calamine_rows(path: Path) -> list[list]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def read_chart(out: Path) -> pd.DataFrame:
    """The GL's chart of accounts (codes as text)."""
    rows = _calamine_rows(out / "gl" / "科目表.xlsx")
    return pd.DataFrame(rows[1:], columns=rows[0]).astype(str)


# --- company configuration (the profile a customer writes) --------------------------------------


def seed_file(style: str | None, name: str) -> pd.DataFrame:
    """A dbt seed as the style's profile sets it (the profile's file, else the default seed)."""
    own = PROFILES / (style or "mingyuan") / "seeds" / f"{name}.csv"
    path = own if own.exists() else DEFAULT_SEEDS / f"{name}.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@cache
def document_patterns(style: str | None) -> dict[str, re.Pattern]:
    """Document type -> its number pattern, from the profile's seed."""
    df = seed_file(style, "document_number_patterns")
    return {t: re.compile(p) for t, p in zip(df["document_type"], df["pattern"], strict=True)}


def ledger_orgs(style: str | None) -> dict[str, str]:
    """GL ledger code -> ERP org code (identity where the profile maps nothing)."""
    df = seed_file(style, "ledger_org_mappings")
    return dict(zip(df["ledger_code"], df["org_code"], strict=True))


def find_documents(text: pd.Series, style: str | None) -> list[list[tuple[str, str]]]:
    """Per text: the (document type, number) pairs the style's patterns find in it."""
    pats = document_patterns(style)
    return [sorted({(t, m) for t, p in pats.items() for m in p.findall(s)}) for s in text.tolist()]


# --- the GL ---------------------------------------------------------------------------------------


@dataclass
class GL:
    """The GL export folder, read."""

    lines: pd.DataFrame  # well-formed voucher lines, normalised (see ``read_gl``)
    stray: pd.DataFrame  # the planted stray lines, as written
    totals: pd.DataFrame  # workbook layout: the 合计 row per file (file, amount text, direction)
    layout: str


def _xlsx_per_org(path: Path) -> pd.DataFrame:
    """A per-ledger XLSX export as the CSV exports write it (numbers -> text)."""
    rows = _calamine_rows(path)
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


def _read_per_org(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = []
    for path in sorted((out / "gl").glob("*/凭证_*")):
        if path.suffix == ".xlsx":
            df = _xlsx_per_org(path)
        else:
            enc = "gb18030" if _is_gb18030(path) else "utf-8-sig"
            df = pd.read_csv(path, dtype=str, encoding=enc, keep_default_na=False)
        df["file"] = f"gl/{path.parent.name}/{path.name}"
        frames.append(df)
    raw = pd.concat(frames, ignore_index=True).fillna("")
    stray = raw["凭证号"].isin(STRAY_VOUCHER_NOS)
    ok = ~stray
    debit, credit = cents_or_none(raw.loc[ok, "借方"]), cents_or_none(raw.loc[ok, "贷方"])
    lines = pd.DataFrame(
        {
            "file": raw["file"],
            "ledger": raw["核算组织"],
            "date": raw["日期"],
            "period": raw["会计期间"],
            "word": raw["凭证字"],
            "voucher_no": raw["凭证号"],
            "line_no": raw["分录号"],
            "summary": raw["摘要"],
            "text": raw["摘要"] + " " + raw["参考信息"],
            "account": raw["科目代码"],
            "account_name": raw["科目名称"],
            "currency": raw["币别"],
            "rate_text": raw["汇率"],
            "supplier": raw["供应商"],
            "customer": raw["客户"],
            "employee": raw["职员"],
            "dept": raw["部门"],
            "preparer": raw["制单人"],
            "debit_text": raw["借方"],
            "credit_text": raw["贷方"],
        }
    )[ok]
    lines["orig"] = cents(raw.loc[ok, "原币金额"])
    lines["side"] = np.where([d is not None for d in debit], "D", "C")
    lines["amount"] = [d if d is not None else c for d, c in zip(debit, credit, strict=True)]
    return lines, raw[stray].copy()


def _is_gb18030(path: Path) -> bool:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return False
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def cents_or_none(values: pd.Series) -> list[int | None]:
    """Amount columns where an empty cell means "not this side"."""
    return [None if v == "" else _cent(v) for v in values.tolist()]


def workbook_rows(path: Path) -> tuple[list[list], int]:
    """A ledger workbook's rows as written, and the index of its header row."""
    rows = [["" if v is None else v for v in r] for r in _calamine_rows(path)]
    header = next(i for i, r in enumerate(rows) if r and r[0] == "账套")
    return rows, header


def _read_workbooks(out: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frames, totals = [], []
    for path in sorted((out / "gl").glob("*/凭证_*.xlsx")):
        rows, h = workbook_rows(path)
        df = pd.DataFrame(rows[h + 1 :], columns=rows[h]).astype(str)
        name = f"gl/{path.parent.name}/{path.name}"
        total = df["摘要"] == "合计"
        totals += [
            {"file": name, "amount": a, "direction": d}
            for a, d in zip(df.loc[total, "金额"], df.loc[total, "方向"], strict=True)
        ]
        df = df[~total].copy()
        df["file"] = name
        frames.append(df)
    raw = pd.concat(frames, ignore_index=True).fillna("")
    stray = raw["凭证编号"].isin(STRAY_VOUCHER_NOS)
    ok = ~stray
    r = raw[ok]
    lines = pd.DataFrame(
        {
            "file": r["file"],
            "ledger": r["账套"],
            "date": r["制单日期"],
            "period": r["制单日期"].str[:7],
            "word": r["凭证类别"],
            "voucher_no": r["凭证编号"],
            "line_no": r["行号"],
            "summary": r["摘要"],
            "text": r["摘要"] + " " + r["备注"],
            "account": r["科目编码"],
            "account_name": r["科目名称"],
            "currency": r["币种"],
            "rate_text": r["汇率"],
            "supplier": r["供应商名称"],
            "customer": r["客户名称"],
            "employee": r["职员"],
            "dept": r["部门"],
            "preparer": r["制单人"],
            "debit_text": np.where(r["方向"] == "借", r["金额"], ""),
            "credit_text": np.where(r["方向"] == "贷", r["金额"], ""),
        }
    )
    lines["orig"] = cents(r["原币金额"])
    lines["side"] = np.where(r["方向"] == "借", "D", "C")
    lines["amount"] = cents(r["金额"])
    return lines, raw[stray].copy(), pd.DataFrame(totals, columns=["file", "amount", "direction"])


def read_gl(out: Path, style: str | None = None) -> GL:
    """The GL export folder: well-formed lines normalised to one shape whatever the layout.

    Columns: file, ledger, org (ERP org code), date, period, word, voucher_no, line_no, summary,
    text (every column that may name a document), account, account_name, currency, orig and
    amount (cents; amount as written on its side), side (D/C), rate_micro, parties, voucher_id
    (ledger-period-word-number, as the ground truth names vouchers)."""
    if any((out / "gl").glob("*/凭证_*_*")):
        lines, stray = _read_per_org(out)
        totals, layout = pd.DataFrame(columns=["file", "amount", "direction"]), "per_org"
    else:
        lines, stray, totals = _read_workbooks(out)
        layout = "ledger_workbook"
    lines = lines.reset_index(drop=True)
    lines["amount"] = lines["amount"].astype(np.int64)
    lines["rate_micro"] = micro(lines["rate_text"])
    orgs = ledger_orgs(style)
    lines["org"] = lines["ledger"].map(orgs).fillna(lines["ledger"])
    lines["voucher_id"] = (
        lines["ledger"] + "-" + lines["period"] + "-" + lines["word"] + "-" + lines["voucher_no"]
    )
    return GL(lines, stray, totals, layout)


@dataclass
class Sources:
    """Everything one simulation wrote, read back."""

    out: Path
    style: str | None
    erp: dict[str, pd.DataFrame]
    exp: dict[str, pd.DataFrame]
    gl: GL
    truth: pd.DataFrame
    rates: dict[tuple[str, str, str], int]
    chart: pd.DataFrame
    parties: pd.DataFrame

    def planted(self, *anomalies: str) -> pd.DataFrame:
        t = self.truth
        return t[t["anomaly"].isin(anomalies)]


def read_sources(out: Path, style: str | None = None) -> Sources:
    """Read every file of a simulation's output folder."""
    return Sources(
        out=out,
        style=style,
        erp=read_erp(out / "erp.sqlite"),
        exp=read_expense(out),
        gl=read_gl(out, style),
        truth=read_truth(out),
        rates=read_rates(out),
        chart=read_chart(out),
        parties=pd.read_csv(
            out / "gl" / "往来单位.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False
        ),
    )
