"""Master data of the demo group: orgs, counterparties, materials, people, chart of accounts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledgerbridge.simulator import names

ORGS = pd.DataFrame(
    [
        (
            "ORG01",
            "上海明远科技有限公司",
            "Shanghai Mingyuan Technology Co., Ltd.",
            "CN",
            "CNY",
            0.45,
            "91310000MA1K3Y7Q2X",
        ),
        (
            "ORG02",
            "苏州明远精密制造有限公司",
            "Suzhou Mingyuan Precision Manufacturing Co., Ltd.",
            "CN",
            "CNY",
            0.35,
            "91320500MA1N8PLK4D",
        ),
        ("ORG03", "明远国际有限公司", "Mingyuan International Inc.", "US", "USD", 0.20, "US841276530"),
    ],
    columns=["org_code", "org_name", "org_name_en", "country", "base_currency", "volume_share", "tax_id"],
)
BASE_OF = dict(zip(ORGS["org_code"], ORGS["base_currency"], strict=True))

# Intercompany trade: (selling org, buying org, currency, VAT percent). The seller books a
# customer that is the buyer, the buyer a supplier that is the seller (same tax id as the org).
INTERCOMPANY = [("ORG02", "ORG01", "CNY", 13), ("ORG01", "ORG03", "USD", 0)]

# Bank accounts by currency; the GL sub-account of 1002 follows the currency.
BANK_BY_CURRENCY = {"CNY": ("ICBC", "100201"), "USD": ("BOC", "100202"), "EUR": ("BOC", "100203")}

# (code, name, English name, category, balance direction, parent)
CHART_OF_ACCOUNTS = [
    ("1001", "库存现金", "Cash on hand", "资产", "借", None),
    ("1002", "银行存款", "Bank deposits", "资产", "借", None),
    ("100201", "银行存款-人民币户", "Bank - CNY account", "资产", "借", "1002"),
    ("100202", "银行存款-美元户", "Bank - USD account", "资产", "借", "1002"),
    ("100203", "银行存款-欧元户", "Bank - EUR account", "资产", "借", "1002"),
    ("1122", "应收账款", "Accounts receivable", "资产", "借", None),
    ("1123", "预付账款", "Prepayments", "资产", "借", None),
    ("1221", "其他应收款", "Other receivables", "资产", "借", None),
    ("1403", "原材料", "Raw materials", "资产", "借", None),
    ("1405", "库存商品", "Finished goods", "资产", "借", None),
    ("1406", "发出商品", "Goods shipped", "资产", "借", None),
    ("1601", "固定资产", "Fixed assets", "资产", "借", None),
    ("1602", "累计折旧", "Accumulated depreciation", "资产", "贷", None),
    ("2202", "应付账款", "Accounts payable", "负债", "贷", None),
    ("220201", "应付账款-供应商", "AP - suppliers", "负债", "贷", "2202"),
    ("220202", "应付账款-暂估", "AP - goods received not invoiced", "负债", "贷", "2202"),
    ("2203", "预收账款", "Customer advances", "负债", "贷", None),
    ("2211", "应付职工薪酬", "Payroll payable", "负债", "贷", None),
    ("2221", "应交税费", "Taxes payable", "负债", "贷", None),
    ("222101", "应交增值税", "VAT payable", "负债", "贷", "2221"),
    ("22210101", "应交增值税-进项税额", "VAT - input tax", "负债", "借", "222101"),
    ("22210108", "应交增值税-销项税额", "VAT - output tax", "负债", "贷", "222101"),
    ("222102", "未交增值税", "VAT unpaid", "负债", "贷", "2221"),
    ("2231", "应付利息", "Interest payable", "负债", "贷", None),
    ("2241", "其他应付款", "Other payables", "负债", "贷", None),
    ("4001", "实收资本", "Paid-in capital", "权益", "贷", None),
    ("4103", "本年利润", "Current year profit", "权益", "贷", None),
    ("4104", "利润分配", "Retained earnings", "权益", "贷", None),
    ("6001", "主营业务收入", "Revenue", "损益", "贷", None),
    ("6051", "其他业务收入", "Other revenue", "损益", "贷", None),
    ("6401", "主营业务成本", "Cost of sales", "损益", "借", None),
    ("6601", "销售费用", "Selling expenses", "损益", "借", None),
    ("660101", "销售费用-差旅费", "Selling - travel", "损益", "借", "6601"),
    ("660102", "销售费用-业务招待费", "Selling - entertainment", "损益", "借", "6601"),
    ("660103", "销售费用-办公费", "Selling - office", "损益", "借", "6601"),
    ("660104", "销售费用-通讯费", "Selling - telecom", "损益", "借", "6601"),
    ("660105", "销售费用-咨询服务费", "Selling - consulting", "损益", "借", "6601"),
    ("660106", "销售费用-职工薪酬", "Selling - payroll", "损益", "借", "6601"),
    ("660107", "销售费用-广告费", "Selling - advertising", "损益", "借", "6601"),
    ("660108", "销售费用-运输费", "Selling - freight", "损益", "借", "6601"),
    ("6602", "管理费用", "Administrative expenses", "损益", "借", None),
    ("660201", "管理费用-差旅费", "Admin - travel", "损益", "借", "6602"),
    ("660202", "管理费用-业务招待费", "Admin - entertainment", "损益", "借", "6602"),
    ("660203", "管理费用-办公费", "Admin - office", "损益", "借", "6602"),
    ("660204", "管理费用-通讯费", "Admin - telecom", "损益", "借", "6602"),
    ("660205", "管理费用-咨询服务费", "Admin - consulting", "损益", "借", "6602"),
    ("660206", "管理费用-职工薪酬", "Admin - payroll", "损益", "借", "6602"),
    ("660207", "管理费用-折旧费", "Admin - depreciation", "损益", "借", "6602"),
    ("660208", "管理费用-租赁费", "Admin - rent", "损益", "借", "6602"),
    ("6603", "财务费用", "Finance costs", "损益", "借", None),
    ("660301", "财务费用-利息支出", "Finance - interest", "损益", "借", "6603"),
    ("660303", "财务费用-手续费", "Finance - bank fees", "损益", "借", "6603"),
    ("660304", "财务费用-汇兑损益", "Finance - FX gains and losses", "损益", "借", "6603"),
    ("660305", "财务费用-尾差调整", "Finance - rounding", "损益", "借", "6603"),
]

# Expense type -> sub-account suffix under 6601 (sales) / 6602 (admin, R&D).
EXPENSE_ACCOUNT_SUFFIX = {
    "TRAVEL_AIR": "01",
    "TRAVEL_RAIL": "01",
    "TRAVEL_ROAD": "01",
    "HOTEL": "01",
    "MEALS": "02",
    "ENTERTAINMENT": "02",
    "OFFICE": "03",
    "TELECOM": "04",
    "CONSULTING": "05",
    "ADVERTISING": "07",
    "FREIGHT": "08",
    "RENT": "08",
}


@dataclass(frozen=True)
class MasterData:
    """All master tables of the simulated group."""

    orgs: pd.DataFrame
    suppliers: pd.DataFrame
    customers: pd.DataFrame
    materials: pd.DataFrame
    departments: pd.DataFrame
    employees: pd.DataFrame
    accounts: pd.DataFrame


def chart_of_accounts() -> pd.DataFrame:
    """The PRC chart of accounts used by every org of the group."""
    df = pd.DataFrame(
        CHART_OF_ACCOUNTS,
        columns=[
            "account_code",
            "account_name",
            "account_name_en",
            "account_category",
            "balance_direction",
            "parent_code",
        ],
    )
    df["level"] = np.where(
        df["account_code"].str.len() == 4, 1, np.where(df["account_code"].str.len() == 6, 2, 3)
    )
    return df


def _tax_id(rng: np.random.Generator, n: int, domestic: np.ndarray) -> np.ndarray:
    """Unified social credit codes for domestic parties, foreign VAT numbers otherwise."""
    digits = rng.integers(0, 10**8, n)
    region = rng.choice(["310000", "320500", "330100", "440300", "110000"], n)
    cn = np.char.add(
        np.char.add("91", region.astype(str)), np.char.add("MA", np.char.zfill(digits.astype(str), 8))
    )
    cn = np.char.add(cn, rng.choice(list("0123456789ABCDEFGHJKLMNPQRTUWXY"), n))
    foreign = np.char.add(rng.choice(["DE", "US", "NL", "FR", "SG"], n), np.char.zfill(digits.astype(str), 9))
    return np.where(domestic, cn, foreign)


def _company_names(rng: np.random.Generator, n: int, domestic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct company names: Chinese (with English rendering) or foreign."""
    city = rng.integers(0, len(names.CITIES), n)
    word = rng.permutation(np.arange(n)) % len(names.CN_WORDS)
    trade = rng.integers(0, len(names.CN_TRADES), n)
    serial = np.arange(n) // (len(names.CN_WORDS))  # keeps names distinct beyond the pool size
    cn_name, en_name, f_name = [], [], []
    f1 = rng.integers(0, len(names.FOREIGN_FIRST), n)
    f2 = rng.integers(0, len(names.FOREIGN_SECOND), n)
    f3 = rng.integers(0, len(names.FOREIGN_SUFFIX), n)
    for i in range(n):  # master data is small (hundreds of rows); a plain loop is clearer here
        c, w, t = names.CITIES[city[i]], names.CN_WORDS[word[i]], names.CN_TRADES[trade[i]]
        extra_cn = "" if serial[i] == 0 else names.CN_WORDS[(word[i] + serial[i]) % len(names.CN_WORDS)][0]
        extra_en = "" if serial[i] == 0 else names.CN_WORDS[(word[i] + serial[i]) % len(names.CN_WORDS)][1]
        cn_name.append(f"{c[0]}{w[0]}{extra_cn}{t[0]}有限公司")
        en_name.append(f"{c[1]} {w[1]}{extra_en} {t[1]} Co., Ltd.")
        tail = "" if serial[i] == 0 else f" {serial[i] + 1}"
        f_name.append(
            f"{names.FOREIGN_FIRST[f1[i]]} {names.FOREIGN_SECOND[f2[i]]}{tail} {names.FOREIGN_SUFFIX[f3[i]]}"
        )
    cn_arr, en_arr, f_arr = np.array(cn_name), np.array(en_name), np.array(f_name)
    return np.where(domestic, cn_arr, f_arr), np.where(domestic, en_arr, f_arr)


def _parties(
    rng: np.random.Generator, n: int, prefix: str, domestic_share: float, days_name: str
) -> pd.DataFrame:
    domestic = rng.random(n) < domestic_share
    domestic[0] = True
    domestic[1] = False
    cn, en = _company_names(rng, n, domestic)
    foreign_cur = rng.choice(["USD", "EUR"], n, p=[0.65, 0.35])
    df = pd.DataFrame(
        {
            "code": [f"{prefix}{i:05d}" for i in range(1, n + 1)],
            "name": cn,
            "name_en": en,
            "tax_id": _tax_id(rng, n, domestic),
            "country": np.where(domestic, "CN", rng.choice(["DE", "US", "NL", "FR", "SG"], n)),
            "currency": np.where(domestic, "CNY", foreign_cur),
            days_name: rng.choice([30, 45, 60, 90], n),
        }
    )
    df["name"] = np.where(domestic, df["name"], df["name_en"])
    return df


def _intercompany_parties(
    suppliers: pd.DataFrame, customers: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The group's own orgs as counterparties of each other (tax id = the org's); the column
    ``group_org`` names the org a party is (empty for third parties)."""
    orgs = ORGS.set_index("org_code")
    extra_s, extra_c = [], []
    for seller, buyer, currency, _pct in INTERCOMPANY:
        for rows, who in ((extra_c, buyer), (extra_s, seller)):
            o = orgs.loc[who]
            rows.append((o["org_name"], o["org_name_en"], o["tax_id"], o["country"], currency, 60, who))
    out = []
    for df, rows, prefix, code_col, days_col in (
        (suppliers, extra_s, "S", "supplier_code", "payment_days"),
        (customers, extra_c, "C", "customer_code", "credit_days"),
    ):
        name_col, en_col = code_col.replace("code", "name"), code_col.replace("code", "name_en")
        start = len(df) + 1
        add = pd.DataFrame(
            rows, columns=[name_col, en_col, "tax_id", "country", "currency", days_col, "group_org"]
        )
        add.insert(0, code_col, [f"{prefix}{i:05d}" for i in range(start, start + len(add))])
        out.append(pd.concat([df.assign(group_org=""), add], ignore_index=True))
    return out[0], out[1]


def build_master(seed: int, scale: float) -> MasterData:
    """Master data, sized sub-linearly with the scale (more documents per party as volume grows)."""
    rng = np.random.default_rng([seed, 1])
    size = max(1.0, scale) ** 0.5
    suppliers = _parties(rng, int(round(60 * size)), "S", 0.72, "payment_days").rename(
        columns={"code": "supplier_code", "name": "supplier_name", "name_en": "supplier_name_en"}
    )
    customers = _parties(rng, int(round(90 * size)), "C", 0.78, "credit_days").rename(
        columns={"code": "customer_code", "name": "customer_name", "name_en": "customer_name_en"}
    )

    suppliers, customers = _intercompany_parties(suppliers, customers)

    n_mat = int(round(160 * size))
    base = rng.integers(0, len(names.MATERIAL_BASES), n_mat)
    variant = rng.integers(0, len(names.MATERIAL_VARIANTS), n_mat)
    mb = [names.MATERIAL_BASES[b] for b in base]
    mv = [names.MATERIAL_VARIANTS[v] for v in variant]
    group = np.array([m[2] for m in mb])
    cost = np.round(np.array([m[3] for m in mb]) * rng.uniform(0.7, 1.4, n_mat), 2)
    materials = pd.DataFrame(
        {
            # Codes keep a leading zero: "01" raw materials, "02" goods.
            "material_code": [f"{'01' if g == 'RAW' else '02'}{i:05d}" for i, g in enumerate(group, 1)],
            "material_name": [f"{m[0]}-{v[0]}" for m, v in zip(mb, mv, strict=True)],
            "material_name_en": [f"{m[1]}, {v[1]}" for m, v in zip(mb, mv, strict=True)],
            "material_group": group,
            "uom": [m[4] for m in mb],
            "standard_cost": cost,
        }
    )

    dept_rows = []
    for org_i, org in enumerate(ORGS["org_code"], 1):
        for suffix, cn, en, function in names.DEPARTMENTS:
            dept_rows.append((f"{suffix}{org_i:02d}", cn, en, org, function))
    departments = pd.DataFrame(
        dept_rows, columns=["dept_code", "dept_name", "dept_name_en", "org_code", "function"]
    )

    n_emp = int(round(90 * size))
    emp_org = rng.choice(ORGS["org_code"].to_numpy(), n_emp, p=ORGS["volume_share"].to_numpy())
    dept_of_org = {o: d["dept_code"].to_numpy() for o, d in departments.groupby("org_code")}
    emp_dept = [dept_of_org[o][k % 8] for o, k in zip(emp_org, rng.integers(0, 8, n_emp), strict=True)]
    s = rng.integers(0, len(names.SURNAMES), n_emp)
    g = rng.integers(0, len(names.GIVEN), n_emp)
    wf = rng.integers(0, len(names.WESTERN_FIRST), n_emp)
    wl = rng.integers(0, len(names.WESTERN_LAST), n_emp)
    cn_names = [names.SURNAMES[a][0] + names.GIVEN[b][0] for a, b in zip(s, g, strict=True)]
    en_names = [f"{names.GIVEN[b][1]} {names.SURNAMES[a][1]}" for a, b in zip(s, g, strict=True)]
    west = [f"{names.WESTERN_FIRST[a]} {names.WESTERN_LAST[b]}" for a, b in zip(wf, wl, strict=True)]
    abroad = emp_org == "ORG03"
    employees = pd.DataFrame(
        {
            "employee_code": [f"E{i:04d}" for i in range(1, n_emp + 1)],
            "employee_name": np.where(abroad, west, cn_names),
            "employee_name_en": np.where(abroad, west, en_names),
            "org_code": emp_org,
            "dept_code": emp_dept,
        }
    )
    return MasterData(
        ORGS.drop(columns="volume_share"),
        suppliers,
        customers,
        materials,
        departments,
        employees,
        chart_of_accounts(),
    )
