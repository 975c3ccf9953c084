"""Bytes for every download: tables as CSV and XLSX, proposals in the
finance import layout. Pure functions, unit-tested without Streamlit."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

import pandas as pd

#: XLSX number format: thousand separators, two decimals, negatives red with a sign.
XLSX_MONEY = "#,##0.00;[Red]-#,##0.00"

#: The flat voucher import layout Chinese finance packages accept (issue 6).
IMPORT_COLUMNS = [
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


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (Excel opens Chinese text correctly), no index."""
    return df.to_csv(index=False).encode("utf-8-sig")


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet1"


def to_xlsx_bytes(data: pd.DataFrame | Mapping[str, pd.DataFrame], sheet: str = "data") -> bytes:
    """One sheet per frame, money columns with a thousand-separator format, header frozen."""
    from app.lib.fmt import is_money_column

    sheets = {sheet: data} if isinstance(data, pd.DataFrame) else dict(data)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        book = xw.book
        money_fmt = book.add_format({"num_format": XLSX_MONEY})
        head_fmt = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
        for name, df in sheets.items():
            name = _sheet_name(name)
            out = df.copy()
            for col in out.columns:  # Excel has no timezone-aware datetimes
                if isinstance(out[col].dtype, pd.DatetimeTZDtype):
                    out[col] = out[col].dt.tz_localize(None)
            out.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            ws.freeze_panes(1, 0)
            for i, col in enumerate(out.columns):
                ws.write(0, i, str(col), head_fmt)
                width = min(40, max(10, len(str(col)) * 2))
                ws.set_column(i, i, width, money_fmt if is_money_column(str(col), out[col].dtype) else None)
    return buf.getvalue()


def voucher_import_frame(proposals: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Proposal lines in the finance import layout (凭证日期, 凭证字, 凭证号, 摘要 …).

    Voucher numbers are assigned 1..n per (org, voucher word, month) in the
    order of the proposals; the proposal id goes to the reference field so a
    repeated import is recognisable.
    """
    if lines.empty:
        return pd.DataFrame(columns=IMPORT_COLUMNS)
    order = {pid: i for i, pid in enumerate(proposals["proposal_id"])} if not proposals.empty else {}
    ln = lines.copy()
    ln["_order"] = ln["proposal_id"].map(order).fillna(len(order))
    ln = ln.sort_values(["_order", "line_no"])
    ln["_month"] = pd.to_datetime(ln["voucher_date"]).dt.strftime("%Y-%m")
    firsts = ln.drop_duplicates("proposal_id")[["proposal_id", "org_code", "voucher_word", "_month"]].copy()
    firsts["_no"] = firsts.groupby(["org_code", "voucher_word", "_month"]).cumcount() + 1
    ln = ln.merge(firsts[["proposal_id", "_no"]], on="proposal_id", how="left")

    def aux(row: pd.Series) -> str:
        parts = []
        for col, tag in (
            ("supplier_code", "供应商"),
            ("customer_code", "客户"),
            ("employee_code", "职员"),
            ("dept_code", "部门"),
        ):
            val = row.get(col)
            if isinstance(val, str) and val:
                parts.append(f"{tag}:{val}")
        return ";".join(parts)

    return pd.DataFrame(
        {
            "凭证日期": pd.to_datetime(ln["voucher_date"]).dt.strftime("%Y-%m-%d"),
            "凭证字": ln["voucher_word"],
            "凭证号": ln["_no"].astype(int),
            "摘要": ln["summary"],
            "科目代码": ln["account_code"].astype(str),
            "借方金额": ln["debit"].astype(float).round(2),
            "贷方金额": ln["credit"].astype(float).round(2),
            "币别": ln["currency"],
            "原币金额": ln["amount_original"].astype(float).round(2),
            "汇率": ln["fx_rate"].astype(float),
            "辅助核算": ln.apply(aux, axis=1),
            "参考信息": ln["proposal_id"],
        }
    )[IMPORT_COLUMNS]


def voucher_import_bytes(proposals: pd.DataFrame, lines: pd.DataFrame, fmt: str = "xlsx") -> bytes:
    """The selected proposals as an import file (``xlsx`` or ``csv``).

    Uses ``ledgerbridge.vouchers.export`` when the vouchers package provides a
    frame builder, so the CLI export and the app's download are one layout.
    """
    frame = None
    try:  # the reconciliation/vouchers engineer's exporter, when it exists
        from ledgerbridge.vouchers import export as vx  # type: ignore[import-not-found]

        builder = getattr(vx, "import_frame", None) or getattr(vx, "to_import_frame", None)
        if callable(builder):
            frame = builder(lines)
    except Exception:  # missing package or a different signature: use the app's layout
        frame = None
    if frame is None:
        frame = voucher_import_frame(proposals, lines)
    if fmt == "csv":
        return to_csv_bytes(frame)
    return to_xlsx_bytes(frame, sheet="凭证导入")
