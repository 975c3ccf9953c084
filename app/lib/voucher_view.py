"""A proposed voucher laid out the way finance reads one (记账凭证)."""

from __future__ import annotations

import pandas as pd

from app.lib.i18n import t


def voucher_table(lines: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """Rows 摘要 / 科目 / 借方 / 贷方 plus a 合计 row, and whether debits equal credits."""
    name = lines["account_name"] if "account_name" in lines.columns else ""
    body = pd.DataFrame(
        {
            t("summary"): lines["summary"].astype(str),
            t("account"): (
                lines["account_code"].astype(str)
                + " "
                + pd.Series(name, index=lines.index).fillna("").astype(str)
            ).str.strip(),
            t("debit"): lines["debit"].astype(float).round(2),
            t("credit"): lines["credit"].astype(float).round(2),
        }
    )
    total_d = round(float(body[t("debit")].sum()), 2)
    total_c = round(float(body[t("credit")].sum()), 2)
    total = pd.DataFrame(
        {t("summary"): [t("total")], t("account"): [""], t("debit"): [total_d], t("credit"): [total_c]}
    )
    return pd.concat([body, total], ignore_index=True), abs(total_d - total_c) < 0.005
