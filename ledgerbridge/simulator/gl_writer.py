"""GL exports: voucher files, FX rates and period status per period, the chart of accounts
and the GL's counterparty list — in the house style's layout.

Layouts (``HouseStyle.gl_layout``):

``per_org``
    ``gl/<period>/凭证_<org>_<period>.<ext>``, one file per ledger: ORG01 CSV UTF-8 with BOM,
    ORG02 CSV GB18030, ORG03 XLSX; Chinese headers with a period column, debit and credit in
    two columns (empty for the unused side), party codes.
``ledger_workbook``
    ``gl/<period>/凭证_<period>.xlsx`` holding every ledger (账套 column): two title rows and
    a blank row above the header, no period column, one signed amount with a 借/贷
    direction column, amounts as text with thousands separators, party names instead of
    codes, the document number in 备注, and a trailing 合计 row (total debit).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from ledgerbridge.simulator.calendar import YEAR_START, period_name, period_of, to_date
from ledgerbridge.simulator.money import to_text, to_text_grouped
from ledgerbridge.simulator.snapshot import Snapshot
from ledgerbridge.simulator.world import World

# How each org's finance package exports its vouchers (per_org layout).
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


def _xlsx(headers: list[str], rows: pd.DataFrame, numeric: set[str], title: list[str] | None = None) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": False})
    wb.set_properties({"created": FIXED_TIME})
    ws = wb.add_worksheet("Sheet1")
    top = 0
    for t in title or []:
        if t:
            ws.write_string(top, 0, t)
        top += 1
    ws.write_row(top, 0, headers)
    # Column by column (the order fixes the shared-string table, hence the bytes), through the
    # undecorated writers: the public ones re-parse A1 notation on every call.
    write_number = getattr(ws, "_write_number", ws.write_number)
    write_string = getattr(ws, "_write_string", ws.write_string)
    for c, h in enumerate(headers):
        values = rows[h].tolist()
        if h in numeric:
            for r, v in enumerate(values, start=top + 1):
                if v is not None and v == v and v != "":  # skip None, NaN and empty cells
                    write_number(r, c, float(v))
        else:
            for r, v in enumerate(values, start=top + 1):
                if v is not None and v == v and v != "":
                    write_string(r, c, v if v.__class__ is str else str(v))
    wb.close()
    return buf.getvalue()


def gl_party_keys(world: World) -> dict[str, str]:
    """ERP party code -> how the GL names the party (its own code, or its name)."""
    gc = world.gl_codes
    if world.style.gl_party == "code":
        return dict(zip(gc["erp_code"], gc["gl_code"], strict=True))
    legacy = (
        gc["name"]
        .str.replace("有限公司", "公司", regex=False)
        .where(gc["name"].str.contains("有限公司"), gc["name"] + " (old)")
    )
    return dict(zip(gc["erp_code"], np.where(gc["mismatch"], legacy, gc["name"]), strict=True))


def _party(erp_code: pd.Series, keys: dict[str, str]) -> pd.Series:
    gl = erp_code.map(keys)
    return gl.where(gl.notna(), erp_code)


def voucher_frame(lines: pd.DataFrame, world: World, keys: dict[str, str]) -> pd.DataFrame:
    """GL lines in the export layout of the house style."""
    style = world.style
    acc = world.master.accounts.set_index("account_code")["account_name"]
    own_names = pd.Series(style.account_names, dtype=object)
    account = lines["account_code"]
    account_name = account.map(own_names).fillna(account.map(acc))
    recoded = style.recode(lines[["employee_code", "dept_code"]])
    date = np.datetime_as_string(to_date(lines["day"].to_numpy()))
    if style.gl_layout == "per_org":
        debit = np.where(lines["side"] == "D", lines["amount_base"], 0)
        credit = np.where(lines["side"] == "C", lines["amount_base"], 0)
        return pd.DataFrame(
            {
                "核算组织": style.ledger(lines["org_code"]),
                "日期": date,
                "会计期间": lines["period"],
                "凭证字": lines["voucher_word"],
                "凭证号": lines["voucher_no"].astype(str),
                "分录号": lines["line_no"].astype(str),
                "摘要": lines["summary"],
                "科目代码": style.account(account),
                "科目名称": account_name,
                "币别": lines["currency"],
                "原币金额": to_text(lines["amount_original"].to_numpy()),
                "借方": np.where(debit != 0, to_text(debit), ""),
                "贷方": np.where(credit != 0, to_text(credit), ""),
                "汇率": np.char.mod("%.6f", lines["rate_micro"].to_numpy() / 1e6),
                "供应商": _party(style.recode(lines[["supplier_code"]])["supplier_code"], keys),
                "客户": _party(style.recode(lines[["customer_code"]])["customer_code"], keys),
                "职员": recoded["employee_code"],
                "部门": recoded["dept_code"],
                "参考信息": lines["reference"],
                "制单人": lines["preparer"],
                "_org": lines["org_code"],
                "_period": lines["period"],
            }
        ).fillna("")
    return pd.DataFrame(
        {
            "账套": style.ledger(lines["org_code"]),
            "制单日期": date,
            "凭证类别": lines["voucher_word"],
            "凭证编号": lines["voucher_no"].astype(str),
            "行号": lines["line_no"].astype(str),
            "摘要": lines["summary"],
            "科目编码": style.account(account),
            "科目名称": account_name,
            "币种": lines["currency"],
            "原币金额": to_text_grouped(lines["amount_original"].to_numpy()),
            "汇率": np.char.mod("%.6f", lines["rate_micro"].to_numpy() / 1e6),
            "金额": to_text_grouped(lines["amount_base"].to_numpy()),
            "方向": np.where(lines["side"] == "D", "借", "贷"),
            "供应商名称": _party(style.recode(lines[["supplier_code"]])["supplier_code"], keys),
            "客户名称": _party(style.recode(lines[["customer_code"]])["customer_code"], keys),
            "职员": recoded["employee_code"],
            "部门": recoded["dept_code"],
            "备注": lines["remark"],
            "制单人": lines["preparer"],
            "_org": lines["org_code"],
            "_period": lines["period"],
            "_debit": np.where(lines["side"] == "D", lines["amount_base"], 0),
        }
    ).fillna("")


def _bad_line(frame: pd.DataFrame, reason: str, layout: str) -> pd.DataFrame:
    """A stray line appended to the export (voucher numbers from 9001 are never real)."""
    row = frame.iloc[[0]].copy()
    no, line, summary = ("凭证号", "分录号", "摘要") if layout == "per_org" else ("凭证编号", "行号", "摘要")
    row[no], row[line], row[summary] = "9001", "1", "导出中断"
    if reason == "non_numeric_amount":
        amount_col = "借方" if layout == "per_org" else "金额"
        row[amount_col] = "12,3O5.00"
        if layout == "per_org":
            row["贷方"] = ""
        row[summary] = "手工调整"
    if reason == "missing_key":
        row[no] = ""
        row[summary] = "Manual entry"
    return row


def _record_key(row: pd.DataFrame, layout: str) -> str:
    if layout == "per_org":
        r = row.iloc[0]
        return f"{r['核算组织']}-{r['会计期间']}-{r['凭证字']}-{r['凭证号']}/1"
    r = row.iloc[0]
    return f"{r['账套']}-{r['_period']}-{r['凭证类别']}-{r['凭证编号']}/1"


def _bad_row_truth(world: World, org: str, period: str, source: str, key: str, reason: str) -> dict:
    name = source.rsplit("/", 1)[-1]
    return {
        "anomaly": "bad_row",
        "system": "finance",
        "org": world.style.erp_org[org],
        "period": period,
        "source": source,
        "record_key": key,
        "expected_status": "quarantine",
        "reason": reason,
        "detail": f"{name}: stray line ({reason.replace('_', ' ')})",
    }


def _write_per_org(
    frame: pd.DataFrame, world: World, gl_dir: Path, bad_periods: dict
) -> tuple[int, list[dict]]:
    count, truth = 0, []
    for (org, period), rows in frame.groupby(["_org", "_period"], sort=True):
        kind, enc = EXPORT_FORMAT[org]
        ledger = world.style.gl_ledger[org]
        name = f"凭证_{ledger}_{period}.{kind}"
        bad = period in bad_periods.get(org, set())
        rows = rows[VOUCHER_HEADERS]
        if bad:
            extra = _bad_line(rows, BAD_GL_LINES[org], "per_org")
            rows = pd.concat([rows, extra], ignore_index=True)
            truth.append(
                _bad_row_truth(
                    world,
                    org,
                    period,
                    f"gl/{period}/{name}",
                    _record_key(extra, "per_org"),
                    BAD_GL_LINES[org],
                )
            )
        count += len(rows)
        path = gl_dir / period / name
        if kind == "csv":
            text = rows.to_csv(index=False, lineterminator="\r\n")
            if bad and BAD_GL_LINES[org] == "truncated_line":
                # the export was cut off in the middle of its last line
                text = text.rstrip("\r\n")
                text = text[: text.rfind("\r\n") + 2] + ",".join(rows.iloc[-1].astype(str).tolist()[:7])
            write_if_changed(path, text.encode(enc))
        else:
            write_if_changed(
                path, _xlsx(VOUCHER_HEADERS, rows, {"原币金额", "借方", "贷方", "汇率", "凭证号", "分录号"})
            )
    return count, truth


def _write_workbooks(
    frame: pd.DataFrame, world: World, gl_dir: Path, bad_periods: dict
) -> tuple[int, list[dict]]:
    count, truth = 0, []
    group = world.style.org_names["ORG01"][0]
    reasons = {"ORG02": "non_numeric_amount", "ORG03": "missing_key"}
    for period, rows in frame.groupby("_period", sort=True):
        name = f"凭证_{period}.xlsx"
        out = rows.copy()
        for org, reason in reasons.items():
            if period in bad_periods.get(org, set()):
                first = out[out["_org"] == org]
                if first.empty:
                    continue
                extra = _bad_line(first, reason, "ledger_workbook")
                out = pd.concat([out, extra], ignore_index=True)
                truth.append(
                    _bad_row_truth(
                        world,
                        org,
                        period,
                        f"gl/{period}/{name}",
                        _record_key(extra, "ledger_workbook"),
                        reason,
                    )
                )
        count += len(out)
        total = pd.DataFrame([{h: "" for h in WORKBOOK_HEADERS}])
        total["摘要"] = "合计"
        total["金额"] = to_text_grouped(np.array([int(rows["_debit"].sum())]))[0]
        total["方向"] = "借"
        body = pd.concat([out[WORKBOOK_HEADERS], total], ignore_index=True)
        title = ["记账凭证列表", f"单位：{group}（合并导出）    会计期间：{period}", ""]
        write_if_changed(gl_dir / period / name, _xlsx(WORKBOOK_HEADERS, body, set(), title))
    return count, truth


def write_gl(world: World, snap: Snapshot, out: Path) -> tuple[dict[str, int], list[dict]]:
    """Write the GL export folder; returns rows per entity and the ground truth of planted bad lines."""
    style = world.style
    gl_dir = out / "gl"
    keys = _recoded_keys(gl_party_keys(world), style, world.gl_codes)  # styled ERP code -> GL key
    counts = {
        "gl_voucher_lines": 0,
        "gl_accounts": len(world.master.accounts),
        "gl_fx_rates": 0,
        "gl_period_status": 0,
        "gl_counterparties": len(world.gl_codes),
    }
    acc = world.master.accounts
    own_names = pd.Series(style.account_names, dtype=object)
    acc_rows = pd.DataFrame(
        {
            "科目代码": style.account(acc["account_code"]),
            "科目名称": acc["account_code"].map(own_names).fillna(acc["account_name"]),
            "英文名称": acc["account_name_en"],
            "科目类别": acc["account_category"],
            "余额方向": acc["balance_direction"],
            "上级科目": pd.Series(style.account(acc["parent_code"].fillna(""))).replace("", None).fillna(""),
            "级次": acc["level"].astype(str),
        }
    )
    write_if_changed(gl_dir / "科目表.xlsx", _xlsx(list(acc_rows.columns), acc_rows, set()))
    gc = world.gl_codes
    recoded = pd.concat(
        [
            style.recode(gc[gc["party_type"] == t].rename(columns={"erp_code": f"{t}_code"})).rename(
                columns={f"{t}_code": "erp_code"}
            )
            for t in ("supplier", "customer")
        ]
    )
    parties = pd.DataFrame(
        {
            "类型": np.where(recoded["party_type"] == "supplier", "供应商", "客户"),
            "编码": recoded["erp_code"].map(keys),
            "名称": recoded["name"],
            "税号": np.where(recoded["gl_has_tax_id"], recoded["tax_id"], ""),
        }
    )
    if style.gl_party == "name":  # the GL knows parties by name only: its name is its key
        parties = parties.drop(columns="编码")
        parties["名称"] = recoded["erp_code"].map(keys).to_numpy()
    write_if_changed(gl_dir / "往来单位.csv", parties.to_csv(index=False).encode("utf-8-sig"))

    rng = np.random.default_rng([world.seed, 61])
    per_kind = world.rates_cfg.bad_rows_per_kind
    periods = period_name(np.arange(24))
    n_bad = 0 if per_kind <= 0 else max(1, min(24, int(round(world.scale))))
    bad_periods = {
        org: set(rng.choice(periods, n_bad, replace=False).tolist()) if n_bad else set()
        for org in BAD_GL_LINES
    }
    lines = snap.gl_lines
    frame = voucher_frame(lines, world, keys)
    writer = _write_per_org if style.gl_layout == "per_org" else _write_workbooks
    counts["gl_voucher_lines"], truth = writer(frame, world, gl_dir, bad_periods)

    last_period = max(lines["period"].unique().tolist(), default=period_name(np.array([0]))[0])
    rates = snap.rates
    rates = rates.assign(
        period=period_of(((rates["rate_date"] - pd.Timestamp(str(YEAR_START))).dt.days).to_numpy())
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
    ps = ps.assign(period=period_name(ps["period_idx"].to_numpy()))
    for period, r in ps.groupby("period"):
        data = pd.DataFrame(
            {
                "核算组织": style.ledger(r["org_code"]),
                "会计期间": period,
                "状态": np.where(r["closed"], "closed", "open"),
            }
        )
        counts["gl_period_status"] += len(data)
        write_if_changed(
            gl_dir / period / f"期间状态_{period}.csv", data.to_csv(index=False).encode("utf-8-sig")
        )
    return counts, truth


def _recoded_keys(keys: dict[str, str], style, gc: pd.DataFrame) -> dict[str, str]:
    """The GL party key of each party, indexed by its ERP code in the house style."""
    frame = pd.DataFrame(
        {
            "supplier_code": gc["erp_code"].where(gc["party_type"] == "supplier"),
            "customer_code": gc["erp_code"].where(gc["party_type"] == "customer"),
        }
    )
    styled = style.recode(frame)
    erp = styled["supplier_code"].fillna(styled["customer_code"])
    gl = gc["erp_code"].map(keys)
    if style.gl_party == "code":  # legacy codes are the GL's own; the rest follow the ERP's
        gl = np.where(gc["mismatch"], gl, erp)
    return dict(zip(erp, gl, strict=True))
