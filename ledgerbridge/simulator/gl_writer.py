"""GL exports: a folder per period with voucher files (CSV UTF-8, CSV GB18030, XLSX), FX rates and
period status, plus the chart of accounts and the GL's counterparty list."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from ledgerbridge.simulator.calendar import period_of, to_date
from ledgerbridge.simulator.money import to_text
from ledgerbridge.simulator.snapshot import Snapshot
from ledgerbridge.simulator.world import World

# How each org's finance package exports its vouchers.
EXPORT_FORMAT = {"ORG01": ("csv", "utf-8-sig"), "ORG02": ("csv", "gb18030"), "ORG03": ("xlsx", None)}
VOUCHER_HEADERS = [
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
# Planted bad lines: org -> reason (one stray line per affected file)
BAD_GL_LINES = {"ORG01": "truncated_line", "ORG02": "non_numeric_amount", "ORG03": "missing_key"}
FIXED_TIME = dt.datetime(2025, 1, 1)


def write_if_changed(path: Path, data: bytes) -> None:
    """Write only when the bytes differ, so an unchanged export keeps its modification time."""
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _xlsx(headers: list[str], rows: pd.DataFrame, numeric: set[str]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": False})
    wb.set_properties({"created": FIXED_TIME})
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(0, 0, headers)
    # Column by column (the order fixes the shared-string table, hence the bytes), through the
    # undecorated writers: the public ones re-parse A1 notation on every call.
    write_number = getattr(ws, "_write_number", ws.write_number)
    write_string = getattr(ws, "_write_string", ws.write_string)
    for c, h in enumerate(headers):
        values = rows[h].tolist()
        if h in numeric:
            for r, v in enumerate(values, start=1):
                if v is not None and v == v and v != "":  # skip None, NaN and empty cells
                    write_number(r, c, float(v))
        else:
            for r, v in enumerate(values, start=1):
                if v is not None and v == v and v != "":
                    write_string(r, c, v if v.__class__ is str else str(v))
    wb.close()
    return buf.getvalue()


def _gl_code(erp_code: pd.Series, codes: dict[str, str]) -> pd.Series:
    """ERP party codes -> the GL's codes (a code without a mapping stays as it is)."""
    gl = erp_code.map(codes)
    return gl.where(gl.notna(), erp_code)


def voucher_frame(lines: pd.DataFrame, world: World, codes: dict[str, str]) -> pd.DataFrame:
    """GL lines in the export layout (Chinese headers), with GL counterparty codes."""
    names = world.master.accounts.set_index("account_code")["account_name"]
    debit = np.where(lines["side"] == "D", lines["amount_base"], 0)
    credit = np.where(lines["side"] == "C", lines["amount_base"], 0)
    return pd.DataFrame(
        {
            "核算组织": lines["org_code"],
            "日期": np.datetime_as_string(to_date(lines["day"].to_numpy())),
            "会计期间": lines["period"],
            "凭证字": lines["voucher_word"],
            "凭证号": lines["voucher_no"].astype(str),
            "分录号": lines["line_no"].astype(str),
            "摘要": lines["summary"],
            "科目代码": lines["account_code"],
            "科目名称": lines["account_code"].map(names),
            "币别": lines["currency"],
            "原币金额": to_text(lines["amount_original"].to_numpy()),
            "借方": np.where(debit != 0, to_text(debit), ""),
            "贷方": np.where(credit != 0, to_text(credit), ""),
            "汇率": np.char.mod("%.6f", lines["rate_micro"].to_numpy() / 1e6),
            "供应商": _gl_code(lines["supplier_code"], codes),
            "客户": _gl_code(lines["customer_code"], codes),
            "职员": lines["employee_code"],
            "部门": lines["dept_code"],
            "参考信息": lines["reference"],
            "制单人": lines["preparer"],
        }
    ).fillna("")


def _bad_line(frame: pd.DataFrame, org: str, period: str, reason: str) -> tuple[pd.DataFrame, str]:
    """A stray line appended to the export (voucher numbers from 9001 are never real)."""
    row = frame.iloc[[0]].copy()
    row["凭证号"], row["分录号"], row["摘要"] = "9001", "1", "导出中断"
    if reason == "non_numeric_amount":
        row["借方"], row["贷方"] = "12,3O5.00", ""
        row["摘要"] = "手工调整"
    if reason == "missing_key":
        row["凭证号"] = ""
        row["摘要"] = "Manual entry"
    return row, f"{org}-{period}-{row['凭证字'].iloc[0]}-{row['凭证号'].iloc[0]}/1"


def write_gl(world: World, snap: Snapshot, out: Path) -> tuple[dict[str, int], list[dict]]:
    """Write the GL export folder; returns rows per entity and the ground truth of planted bad lines."""
    gl_dir = out / "gl"
    codes = dict(zip(world.gl_codes["erp_code"], world.gl_codes["gl_code"], strict=True))
    counts = {
        "gl_voucher_lines": 0,
        "gl_accounts": len(world.master.accounts),
        "gl_fx_rates": 0,
        "gl_period_status": 0,
        "gl_counterparties": len(world.gl_codes),
    }
    truth: list[dict] = []
    acc = world.master.accounts
    acc_rows = pd.DataFrame(
        {
            "科目代码": acc["account_code"],
            "科目名称": acc["account_name"],
            "英文名称": acc["account_name_en"],
            "科目类别": acc["account_category"],
            "余额方向": acc["balance_direction"],
            "上级科目": acc["parent_code"].fillna(""),
            "级次": acc["level"].astype(str),
        }
    )
    write_if_changed(gl_dir / "科目表.xlsx", _xlsx(list(acc_rows.columns), acc_rows, set()))
    gc = world.gl_codes
    parties = pd.DataFrame(
        {
            "类型": np.where(gc["party_type"] == "supplier", "供应商", "客户"),
            "编码": gc["gl_code"],
            "名称": gc["name"],
            "税号": np.where(gc["gl_has_tax_id"], gc["tax_id"], ""),
        }
    )
    write_if_changed(gl_dir / "往来单位.csv", parties.to_csv(index=False).encode("utf-8-sig"))

    rng = np.random.default_rng([world.seed, 61])
    bad_periods = {
        org: set(rng.choice(12, max(1, min(12, int(round(world.scale)))), replace=False).tolist())
        for org in BAD_GL_LINES
    }
    lines = snap.gl_lines
    frame = voucher_frame(lines, world, codes)
    for (org, period), rows in frame.groupby(["核算组织", "会计期间"], sort=True):
        kind, enc = EXPORT_FORMAT[org]
        pidx = int(period[-2:]) - 1
        if pidx in bad_periods[org]:
            bad, key = _bad_line(rows, org, period, BAD_GL_LINES[org])
            rows = pd.concat([rows, bad], ignore_index=True)
            name = f"凭证_{org}_{period}.{kind}"
            truth.append(
                {
                    "anomaly": "bad_row",
                    "system": "finance",
                    "org": org,
                    "period": period,
                    "source": f"gl/{period}/{name}",
                    "record_key": key,
                    "expected_status": "quarantine",
                    "reason": BAD_GL_LINES[org],
                    "detail": f"{name}: stray line ({BAD_GL_LINES[org].replace('_', ' ')})",
                }
            )
        counts["gl_voucher_lines"] += len(rows)
        path = gl_dir / period / f"凭证_{org}_{period}.{kind}"
        if kind == "csv":
            text = rows.to_csv(index=False, lineterminator="\r\n")
            if pidx in bad_periods[org] and BAD_GL_LINES[org] == "truncated_line":
                # the export was cut off in the middle of its last line
                text = text.rstrip("\r\n")
                text = text[: text.rfind("\r\n") + 2] + ",".join(rows.iloc[-1].astype(str).tolist()[:7])
            write_if_changed(path, text.encode(enc))
        else:
            write_if_changed(
                path, _xlsx(VOUCHER_HEADERS, rows, {"原币金额", "借方", "贷方", "汇率", "凭证号", "分录号"})
            )

    last_period = max(lines["period"].unique().tolist(), default="2025-01")
    rates = snap.rates
    rates = rates.assign(
        period=period_of(((rates["rate_date"] - pd.Timestamp("2025-01-01")).dt.days).to_numpy())
    )
    for period, r in rates.groupby("period"):
        if period > last_period:
            continue
        data = pd.DataFrame(
            {
                "日期": r["rate_date"].dt.strftime("%Y-%m-%d"),
                "原币": r["from_currency"],
                "目标币": r["to_currency"],
                "汇率": np.char.mod("%.6f", r["rate_micro"].to_numpy() / 1e6),
            }
        )
        counts["gl_fx_rates"] += len(data)
        write_if_changed(gl_dir / period / f"汇率_{period}.csv", data.to_csv(index=False).encode("utf-8-sig"))
    ps = snap.period_status
    ps = ps.assign(period=[f"2025-{p + 1:02d}" for p in ps["period_idx"]])
    for period, r in ps.groupby("period"):
        data = pd.DataFrame(
            {"核算组织": r["org_code"], "会计期间": period, "状态": np.where(r["closed"], "closed", "open")}
        )
        counts["gl_period_status"] += len(data)
        write_if_changed(
            gl_dir / period / f"期间状态_{period}.csv", data.to_csv(index=False).encode("utf-8-sig")
        )
    return counts, truth
