"""House styles: how one company numbers, codes and exports the same kind of business.

The simulated enterprise is the same in every style (three legal entities, the same
document chains, the same planted anomalies); a style changes only what differs
between real companies and must therefore be configuration in the product:

- document numbering per document type (``RK/2025/07/0012``, ``AP-INV/25-07/0042`` …);
- the ERP's org codes and the GL's ledger (账套) codes;
- voucher words (收/付/转 or 记 only);
- the chart of accounts' company-defined sub-codes;
- where the GL names the source document (摘要 + 参考信息, or a 备注 column);
- whether the GL carries party codes or party names;
- the GL export layout (one file per org and period with a period column, or one
  workbook per period holding every ledger, title rows, a signed amount with a
  借/贷 direction column, thousands separators and a 合计 row).

The product reads each style through a profile (``profiles/<style>/``); nothing in
``ingestion/`` or ``dbt_project/`` knows any of this.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.simulator.calendar import to_date

#: Document types the simulator numbers.
DOC_TYPES = ("PO", "GR", "PINV", "PAY", "SO", "DN", "SINV", "REC", "EC", "CPAY", "ADV")


@dataclass(frozen=True)
class HouseStyle:
    """One company's conventions (see the module docstring)."""

    name: str
    #: doc type -> format with {yy} {yyyy} {mm} {dd} and {seq:0Nd}; the sequence restarts per
    #: year, month or day, whichever is the finest date part the format shows
    numbering: dict[str, str]
    #: canonical org (ORG01 …) -> the ERP's org code, and -> the GL's ledger (账套) code
    erp_org: dict[str, str]
    gl_ledger: dict[str, str]
    #: canonical org -> legal name (zh, en)
    org_names: dict[str, tuple[str, str]]
    #: orgs whose bookkeepers use 收/付/转; the others use 记 only
    orgs_with_voucher_kinds: frozenset[str]
    #: canonical account code -> the company's own code (unlisted codes are kept)
    accounts: dict[str, str] = field(default_factory=dict)
    #: canonical account code -> the company's own name (unlisted names are kept)
    account_names: dict[str, str] = field(default_factory=dict)
    #: "summary": the number in 摘要 (and 参考信息 for orgs in reference_orgs);
    #: "remark": 摘要 is prose, the number(s) sit in 备注 separated by ';'
    reference_placement: str = "summary"
    reference_orgs: frozenset[str] = frozenset()
    #: "code": the GL's own party codes; "name": party names (no codes at all)
    gl_party: str = "code"
    #: "per_org": 凭证_<org>_<period>.<ext> with a period column;
    #: "ledger_workbook": 凭证_<period>.xlsx holding every ledger, title rows, signed amounts
    gl_layout: str = "per_org"
    #: master-data code prefixes in the ERP and expense systems
    supplier_prefix: str = "S"
    customer_prefix: str = "C"
    employee_prefix: str = "E"
    #: departments' code prefix per function slot (see names.DEPARTMENTS)
    dept_prefix: str = ""

    def account(self, codes) -> np.ndarray:
        """Canonical account codes -> this company's codes."""
        s = pd.Series(np.asarray(codes, dtype=object))
        return s.map(self.accounts).fillna(s).to_numpy(dtype=object)

    def org(self, codes) -> np.ndarray:
        """Canonical org codes -> the ERP's org codes."""
        return pd.Series(np.asarray(codes, dtype=object)).map(self.erp_org).to_numpy(dtype=object)

    def ledger(self, codes) -> np.ndarray:
        """Canonical org codes -> the GL's ledger codes."""
        return pd.Series(np.asarray(codes, dtype=object)).map(self.gl_ledger).to_numpy(dtype=object)

    def recode(self, df: pd.DataFrame) -> pd.DataFrame:
        """A frame's canonical master-data codes (orgs, suppliers, customers, employees,
        departments) in this company's codes; other columns are kept."""
        out = df.copy()
        swaps = {
            "org_code": lambda c: c.map(self.erp_org).fillna(c),
            "supplier_code": lambda c: c.str.replace(r"^S(?=\d)", self.supplier_prefix, regex=True),
            "customer_code": lambda c: c.str.replace(r"^C(?=\d)", self.customer_prefix, regex=True),
            "employee_code": lambda c: c.str.replace(r"^E(?=\d)", self.employee_prefix, regex=True),
            "approver_code": lambda c: c.str.replace(r"^E(?=\d)", self.employee_prefix, regex=True),
            "dept_code": lambda c: (self.dept_prefix + c).where(c.notna()),
        }
        for col, swap in swaps.items():
            if col in out:
                text = out[col].astype(object)
                present = text.notna()
                out.loc[present, col] = swap(text[present].astype(str))
        return out

    def number(self, doc_type: str, days: np.ndarray) -> np.ndarray:
        """Document numbers for documents dated ``days``, numbered in date order (then in
        the order given) within the sequence's scope (year, month or day)."""
        fmt = self.numbering[doc_type]
        days = np.asarray(days, np.int64)
        if len(days) == 0:
            return np.array([], dtype=object)
        dates = to_date(days)
        year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
        month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
        dom = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
        if "{dd}" in fmt:
            scope = (year * 100 + month) * 100 + dom
        elif "{mm}" in fmt:
            scope = year * 100 + month
        else:
            scope = year
        order = np.lexsort((np.arange(len(days)), days, scope))
        s_sorted = scope[order]
        start = np.r_[True, s_sorted[1:] != s_sorted[:-1]]
        run_start = np.maximum.accumulate(np.where(start, np.arange(len(days)), 0))
        seq = np.empty(len(days), np.int64)
        seq[order] = np.arange(len(days)) - run_start + 1
        return np.array(
            [
                fmt.format(yy=f"{y % 100:02d}", yyyy=str(y), mm=f"{m:02d}", dd=f"{d:02d}", seq=q)
                for y, m, d, q in zip(year.tolist(), month.tolist(), dom.tolist(), seq.tolist(), strict=True)
            ],
            dtype=object,
        )


MINGYUAN = HouseStyle(
    name="mingyuan",
    numbering={
        "PO": "PO{yy}{seq:06d}",
        "GR": "GR{yy}{seq:06d}",
        "PINV": "PINV{yy}{seq:06d}",
        "PAY": "PAY{yy}{seq:06d}",
        "SO": "SO{yy}{seq:06d}",
        "DN": "DN{yy}{seq:06d}",
        "SINV": "SINV{yy}{seq:06d}",
        "REC": "REC{yy}{seq:06d}",
        "EC": "EC{yy}{seq:06d}",
        "CPAY": "ECP{yy}{seq:06d}",
        "ADV": "ADV{yy}{seq:06d}",
    },
    erp_org={"ORG01": "ORG01", "ORG02": "ORG02", "ORG03": "ORG03"},
    gl_ledger={"ORG01": "ORG01", "ORG02": "ORG02", "ORG03": "ORG03"},
    org_names={
        "ORG01": ("上海明远科技有限公司", "Shanghai Mingyuan Technology Co., Ltd."),
        "ORG02": ("苏州明远精密制造有限公司", "Suzhou Mingyuan Precision Manufacturing Co., Ltd."),
        "ORG03": ("明远国际有限公司", "Mingyuan International Inc."),
    },
    orgs_with_voucher_kinds=frozenset({"ORG01"}),
    reference_placement="summary",
    reference_orgs=frozenset({"ORG01"}),
    gl_party="code",
    gl_layout="per_org",
)

QINGHE = HouseStyle(
    name="qinghe",
    numbering={
        "PO": "CG-{yyyy}-{seq:06d}",
        "GR": "RK/{yyyy}/{mm}/{seq:04d}",
        "PINV": "AP-INV/{yy}-{mm}/{seq:04d}",
        "PAY": "PAY-{yyyy}-{seq:06d}",
        "SO": "XS{yyyy}{mm}{dd}{seq:03d}",
        "DN": "CK/{yyyy}/{mm}/{seq:04d}",
        "SINV": "AR-INV/{yy}-{mm}/{seq:04d}",
        "REC": "AR-RCV/{yy}-{mm}/{seq:04d}",
        "EC": "EXP.{yyyy}.{mm}.{seq:04d}",
        "CPAY": "PAY-EXP-{yyyy}-{seq:05d}",
        "ADV": "JK.{yyyy}.{mm}.{seq:04d}",
    },
    erp_org={"ORG01": "1010", "ORG02": "1020", "ORG03": "2010"},
    gl_ledger={"ORG01": "001", "ORG02": "002", "ORG03": "003"},
    org_names={
        "ORG01": ("杭州青禾电子有限公司", "Hangzhou Qinghe Electronics Co., Ltd."),
        "ORG02": ("宁波青禾精工有限公司", "Ningbo Qinghe Precision Works Co., Ltd."),
        "ORG03": ("青禾美国有限公司", "Qinghe America Inc."),
    },
    orgs_with_voucher_kinds=frozenset(),
    accounts={
        "100201": "10020101",
        "100202": "10020201",
        "100203": "10020202",
        "220201": "220210",
        "220202": "220299",
        "660101": "660110",
        "660102": "660120",
        "660103": "660130",
        "660104": "660140",
        "660105": "660150",
        "660106": "660160",
        "660107": "660170",
        "660108": "660180",
        "660201": "660210",
        "660202": "660220",
        "660203": "660230",
        "660204": "660240",
        "660205": "660250",
        "660206": "660260",
        "660207": "660270",
        "660208": "660280",
        "660301": "660310",
        "660303": "660320",
        "660304": "660330",
        "660305": "660390",
    },
    account_names={
        "100201": "银行存款-工行人民币户",
        "100202": "银行存款-中行美元户",
        "100203": "银行存款-中行欧元户",
        "220201": "应付账款-货款",
        "220202": "应付账款-暂估应付",
    },
    reference_placement="remark",
    gl_party="name",
    gl_layout="ledger_workbook",
    supplier_prefix="V",
    customer_prefix="K",
    employee_prefix="QH",
    dept_prefix="Q",
)

STYLES = {s.name: s for s in (MINGYUAN, QINGHE)}


def style(name: str | None) -> HouseStyle:
    """A house style by name (default: the demo's)."""
    if name is None:
        return MINGYUAN
    try:
        return STYLES[name]
    except KeyError:
        raise LedgerbridgeError(f"unknown house style {name!r} (known: {', '.join(STYLES)})") from None
