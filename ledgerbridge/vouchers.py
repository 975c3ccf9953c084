"""Voucher proposals out of the warehouse: the finance import layout (XLSX/CSV) and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from ledgerbridge import exports
from ledgerbridge.errors import LedgerbridgeError

# Import layout accepted by Chinese finance packages (Kingdee/Yonyou style flat voucher import).
IMPORT_COLUMNS = {
    "voucher_date": "凭证日期",
    "voucher_word": "凭证字",
    "voucher_no": "凭证号",
    "summary": "摘要",
    "account_code": "科目代码",
    "debit": "借方金额",
    "credit": "贷方金额",
    "currency": "币别",
    "amount_original": "原币金额",
    "fx_rate": "汇率",
    "auxiliary": "辅助核算",
    "proposal_id": "参考信息",
}
FIRST_IMPORT_NO = 900001  # numbers the ledger never uses, so an import cannot collide with a posted voucher


def number_vouchers(lines: pd.DataFrame) -> pd.DataFrame:
    """Import voucher numbers per org, target period and voucher word, in the order the proposals come."""
    heads = lines.drop_duplicates("proposal_id")[
        ["proposal_id", "org_code", "target_period", "voucher_word"]
    ].copy()
    heads["voucher_no"] = (
        heads.groupby(["org_code", "target_period", "voucher_word"]).cumcount() + FIRST_IMPORT_NO
    )
    return lines.drop(columns=["voucher_no"], errors="ignore").merge(
        heads[["proposal_id", "voucher_no"]], on="proposal_id"
    )


def read_proposal_lines(
    con: duckdb.DuckDBPyConnection,
    period: str | None = None,
    proposal_ids: list[str] | None = None,
    orgs: list[str] | None = None,
) -> pd.DataFrame:
    """Proposal lines from an open warehouse connection (optionally one target period, selected
    proposals, some orgs) with import voucher numbers."""
    where, params = [], []
    if period:
        where.append("target_period = ?")
        params.append(period)
    if proposal_ids:
        where.append(f"proposal_id in ({', '.join('?' for _ in proposal_ids)})")
        params.extend(proposal_ids)
    if orgs is not None:
        where.append("list_contains(?, org_code)")
        params.append(list(orgs))
    sql = "select * from vouchers.voucher_proposal_lines" + (" where " + " and ".join(where) if where else "")
    order = " order by org_code, target_period, voucher_word, proposal_id, line_no"
    return number_vouchers(con.execute(sql + order, params).df())


def proposal_lines(
    warehouse: Path, period: str | None = None, proposal_ids: list[str] | None = None
) -> pd.DataFrame:
    """Proposal lines (optionally one target period or selected proposals) with import voucher numbers."""
    if not Path(warehouse).exists():
        raise LedgerbridgeError(f"no warehouse at {warehouse}: run `ledgerbridge run` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return read_proposal_lines(con, period, proposal_ids)


def _auxiliary(lines: pd.DataFrame) -> pd.Series:
    parts = [
        ("供应商", "supplier_code"),
        ("客户", "customer_code"),
        ("职员", "employee_code"),
        ("部门", "dept_code"),
    ]
    aux = pd.Series("", index=lines.index)
    for label, col in parts:
        has = lines[col].notna() & (lines[col] != "")
        aux = aux.where(~has, aux.where(aux == "", aux + ";") + label + ":" + lines[col].fillna(""))
    return aux


def import_layout(lines: pd.DataFrame) -> pd.DataFrame:
    """Lines in the flat import layout, the proposal id in the reference field (参考信息)."""
    out = lines.assign(auxiliary=_auxiliary(lines))
    out["voucher_date"] = pd.to_datetime(out["voucher_date"]).dt.strftime("%Y-%m-%d")
    for col in ("debit", "credit", "amount_original"):
        out[col] = out[col].map(lambda v: f"{v:.2f}")
    out["fx_rate"] = out["fx_rate"].map(lambda v: f"{v:.6f}")
    return out[list(IMPORT_COLUMNS)].rename(columns=IMPORT_COLUMNS)


def export_bytes(lines: pd.DataFrame, fmt: str) -> bytes:
    """Proposal lines as import-layout XLSX or CSV (UTF-8 with BOM; both through the safe writer,
    so a 摘要 never becomes a formula), or JSON grouped by voucher."""
    if fmt == "csv":
        return exports.csv_bytes(import_layout(lines))
    if fmt == "xlsx":
        return exports.xlsx_bytes([exports.Sheet("凭证", import_layout(lines))])
    if fmt == "json":
        vouchers = []
        for pid, grp in lines.groupby("proposal_id", sort=False):
            head = grp.iloc[0]
            vouchers.append(
                {
                    "proposal_id": pid,
                    "org_code": head["org_code"],
                    "voucher_date": str(head["voucher_date"])[:10],
                    "voucher_word": head["voucher_word"],
                    "voucher_no": int(head["voucher_no"]),
                    "source_document_no": head["source_document_no"],
                    "lines": [
                        {
                            k: (
                                f"{r[k]:.2f}"
                                if k in ("debit", "credit", "amount_original")
                                else (None if pd.isna(r[k]) else str(r[k]))
                            )
                            for k in (
                                "line_no",
                                "summary",
                                "account_code",
                                "debit",
                                "credit",
                                "currency",
                                "amount_original",
                                "supplier_code",
                                "customer_code",
                                "employee_code",
                                "dept_code",
                                "rule_id",
                            )
                        }
                        for _, r in grp.iterrows()
                    ],
                }
            )
        return json.dumps(vouchers, ensure_ascii=False, indent=2).encode("utf-8")
    raise LedgerbridgeError(f"unknown export format {fmt!r}: use xlsx, csv or json")


def as_gl_export(lines: pd.DataFrame) -> pd.DataFrame:
    """Proposals as the finance package would export them once imported (the GL export layout)."""
    debit = lines["debit"].map(lambda v: f"{v:.2f}" if v else "")
    credit = lines["credit"].map(lambda v: f"{v:.2f}" if v else "")
    return pd.DataFrame(
        {
            "核算组织": lines["org_code"],
            "日期": pd.to_datetime(lines["voucher_date"]).dt.strftime("%Y-%m-%d"),
            "会计期间": lines["target_period"],
            "凭证字": lines["voucher_word"],
            "凭证号": lines["voucher_no"].astype(str),
            "分录号": lines["line_no"].astype(str),
            "摘要": lines["summary"],
            "科目代码": lines["account_code"],
            "科目名称": "",
            "币别": lines["currency"],
            "原币金额": lines["amount_original"].map(lambda v: f"{v:.2f}"),
            "借方": debit,
            "贷方": credit,
            "汇率": lines["fx_rate"].map(lambda v: f"{v:.6f}"),
            "供应商": lines["supplier_code"].fillna(""),
            "客户": lines["customer_code"].fillna(""),
            "职员": lines["employee_code"].fillna(""),
            "部门": lines["dept_code"].fillna(""),
            "参考信息": lines["proposal_id"],
            "制单人": "ledgerbridge",
        }
    )
