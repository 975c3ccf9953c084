"""Drill-down, the same on every page: a figure → the accounts (and customers or
suppliers) it is made of → their GL lines → a source document's whole chain.

A figure is one or more statement lines of an org (or the group, whose figures
are its orgs' totals and the eliminations) over a period range: flows add up the
range, balances are taken at its end. Widget keys start with ``key`` so a page can
hold several drills.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.lib import chain, consolidation, fmt, ui
from app.lib import warehouse as wh
from app.lib.i18n import code_label, get_lang, t

GROUP = "GROUP"


def _line_names(statement: str) -> dict[str, str]:
    lines = ui.quiet(wh.fetch_many([("fs_lines", (statement,))])[0])
    if lines is None or lines.empty:
        return {}
    col = "line_name_en" if get_lang() == "en" else "line_name"
    return dict(zip(lines["line_code"], lines[col].str.strip(), strict=True))


def figure(
    key: str,
    statement: str,
    line_codes: list[str],
    orgs: list[str],
    p0: str,
    p1: str,
    org_names: dict[str, str] | None = None,
) -> None:
    """Drill into statement lines ``line_codes`` of ``orgs`` (or GROUP) for periods p0..p1."""
    names = _line_names(statement)
    lang = get_lang()  # format_funcs are called outside the page run too: fix the language now
    none_line, none_account = t("no_line"), t("no_account")
    periods = (p1, p1) if statement == "balance_sheet" else (p0, p1)
    line = line_codes[0]
    if len(line_codes) > 1:
        line = st.selectbox(
            t("drill_line"),
            ["", *line_codes],
            key=f"{key}_line",
            format_func=lambda c: names.get(c, c) if c else none_line,
        )
        if not line:
            return
    scope = orgs[0] if len(orgs) == 1 else GROUP
    details = ui.result(consolidation.line_details(scope, statement, line, *periods))
    if details is None:
        return
    st.caption(t("drill_line_of", line=names.get(line, line), p=ui.period_range(*periods), n=len(details)))
    if details.empty:
        st.info(t("no_data"))
        return
    org = scope
    if scope == GROUP or len(orgs) > 1:
        group_cols = [
            "source_org_code",
            "entry_kind",
            "account_code",
            "account_name",
            "account_name_en",
            "party_type",
            "party_code",
            "rule_id",
            "currency",
            "amount",
        ]
        ui.table(
            details[[c for c in group_cols if c in details.columns]],
            f"{key}_group",
            f"{statement}_{line}_{GROUP}_{periods[1]}",
        )
        sources = sorted(
            {str(o) for o in details["source_org_code"].dropna() if not orgs or o in orgs or scope == GROUP}
        )
        if not sources:
            return
        org_name = org_names or {}
        org = st.selectbox(
            t("org"), sources, key=f"{key}_org", format_func=lambda o: f"{o} {org_name.get(o, '')}".strip()
        )
        details = ui.fetch("line_details", org, statement, line, *periods)
        if details is None or details.empty:
            return
    org_cols = [
        "account_code",
        "account_name",
        "account_name_en",
        "party_type",
        "party_code",
        "currency",
        "amount",
    ]
    shown = details[[c for c in org_cols if c in details.columns]]
    if shown["party_code"].isna().all():
        shown = shown.drop(columns=["party_type", "party_code"])
    ui.table(shown, f"{key}_details", f"{statement}_{line}_{org}_{periods[1]}")
    accounts = details.drop_duplicates(["account_code", "party_type", "party_code"])
    options = [""] + [
        "|".join(str(v) if pd.notna(v) else "" for v in (r.account_code, r.party_type, r.party_code))
        for r in accounts.itertuples()
    ]

    def account_label(opt: str) -> str:
        if not opt:
            return none_account
        acct, ptype, party = opt.split("|")
        row = accounts[accounts["account_code"].astype(str) == acct].iloc[0]
        name = row.get("account_name_en" if lang == "en" else "account_name") or ""
        who = f" · {code_label('party_type', ptype, lang)} {party}" if party else ""
        return f"{acct} {name}{who}".strip()

    chosen = st.selectbox(t("account"), options, key=f"{key}_account", format_func=account_label)
    if chosen:
        acct, ptype, party = chosen.split("|")
        gl_lines(f"{key}_gl", org, acct, *periods, party_type=ptype, party=party)


def cash_flow(key: str, line_codes: list[str], org: str, p0: str, p1: str) -> None:
    """Drill into a cash flow line of one org: the cash movements (the counterparty lines of the
    vouchers that moved cash) that make it, then a source document's chain."""
    names = _line_names("cash_flow")
    none_line = t("no_line")
    line = st.selectbox(
        t("drill_line"),
        ["", *line_codes],
        key=f"{key}_line",
        format_func=lambda c: names.get(c, c) if c else none_line,
    )
    if not line:
        return
    if org == GROUP:
        st.info(t("drill_needs_org"))
        return
    moves = ui.fetch("cash_flow_movements", org, p0, p1, line)
    if moves is None:
        return
    st.caption(t("drill_line_of", line=names.get(line, line), p=ui.period_range(p0, p1), n=len(moves)))
    cols = [
        "voucher_date",
        "voucher_id",
        "account_code",
        "account_name",
        "account_name_en",
        "summary",
        "customer_code",
        "supplier_code",
        "employee_code",
        "cash_effect",
        "source_document_no",
    ]
    ui.table(moves[[c for c in cols if c in moves.columns]], f"{key}_moves", f"cash_flow_{org}_{p1}_{line}")
    document(f"{key}_doc", sorted({str(d) for d in moves["source_document_no"].dropna() if d}))


def gl_lines(
    key: str, org: str, account: str, p0: str, p1: str, party_type: str = "", party: str = "", totals=None
) -> None:
    """The GL lines of an account (and party) in p0..p1, then a document's chain."""
    lines = ui.fetch("gl_lines_range", org, p0, p1, account, party_type, party, party_type)
    if lines is None:
        return
    caption = t("gl_lines_of", acct=account, p=ui.period_range(p0, p1), n=len(lines))
    debit, credit = fmt.money(lines["debit"].sum()), fmt.money(lines["credit"].sum())
    caption += f" · {t('debit')} {debit} / {t('credit')} {credit}"
    if totals is not None:
        caption += f" ({t('trial_balance')}: {fmt.money(totals[0])} / {fmt.money(totals[1])})"
    st.caption(caption)
    ui.table(lines, key, f"gl_{org}_{p1}_{account}")
    document(f"{key}_doc", sorted(lines["source_document_no"].dropna().astype(str).unique().tolist()))


def document(key: str, docs: list[str]) -> None:
    """Pick a source document and show its chain: business documents and every voucher citing them."""
    st.subheader(t("drill_doc"))
    none_doc = t("no_doc")
    doc = st.selectbox(t("source_document"), [""] + docs, key=key, format_func=lambda d: d or none_doc)
    if not doc:
        return
    try:
        events, gl = chain.document_chain(doc)
    except (wh.ModelMissing, wh.QueryFailed) as exc:
        ui.result(exc)
        return
    st.markdown(f"**{t('doc_chain', doc=doc)}**")
    st.caption(t("chain_events"))
    if not events.empty and "event_type" in events.columns:
        st.markdown(
            " → ".join(
                f"{code_label('event_type', e)} `{d}`"
                for e, d in zip(events["event_type"], events["document_no"], strict=False)
            )
        )
    ui.table(events, f"{key}_events", f"chain_{doc}")
    st.caption(t("chain_vouchers"))
    ui.table(gl, f"{key}_vouchers", f"chain_gl_{doc}")
