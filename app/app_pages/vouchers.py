"""Voucher proposals: by status and event type, one voucher as finance reads
it, events without a voucher, and the export in the finance import layout."""

from __future__ import annotations

import streamlit as st

from app.lib import access, audited, chain, charts, display, downloads, fmt, ui
from app.lib import queries as Q
from app.lib import warehouse as wh
from app.lib.i18n import code_label, get_lang, t
from app.lib.voucher_view import voucher_table
from ledgerbridge.reports.render import MIME

st.title(t("page_vouchers"))
ui.guard()
f = ui.filters("vp")
c1, c2 = st.columns(2)
with c1:
    opts = ui.quiet(wh.fetch_many([("proposal_statuses", ())])[0])
    opts = [] if opts is None else opts["status"].dropna().astype(str).tolist()
    f["proposal_statuses"] = st.multiselect(
        t("status"),
        opts,
        placeholder=t("all"),
        key="vp_status",
        format_func=lambda v, lang=get_lang(): code_label("status", v, lang),
    )
with c2:
    f["event_types"] = st.multiselect(
        t("event_type"),
        Q.EVENT_TYPES,
        placeholder=t("all"),
        key="vp_event_type",
        format_func=lambda v, lang=get_lang(): code_label("event_type", v, lang),
    )
summary, proposals, unposted = wh.fetch_many(Q.page_requests("vouchers", f))

summary = ui.result(summary)
if summary is not None and not summary.empty:
    cols = st.columns(4)
    tot = summary.groupby("status", as_index=False)[["proposal_count", "amount"]].sum()
    for i, r in enumerate(tot.itertuples()):
        with cols[i % 4]:
            st.metric(
                str(code_label("status", r.status)), f"{int(r.proposal_count):,}", help=fmt.money(r.amount)
            )
    st.plotly_chart(
        charts.bar(
            summary,
            "event_type",
            "proposal_count",
            f"{t('proposals')} · {t('event_type')}",
            color="status",
            barmode="stack",
        ),
        key="vp_summary_chart",
    )
    ui.table(summary, "vp_summary", "proposal_summary")

st.subheader(t("proposals"))
proposals = ui.result(proposals)
if proposals is not None:
    if proposals.empty:
        st.info(t("no_data"))
    else:
        ui.table(proposals, "vp_proposals", f"voucher_proposals_{f['p0']}_{f['p1']}")
        ids = proposals["proposal_id"].astype(str).tolist()
        pid = st.selectbox(t("proposal"), ids, key="vp_proposal")
        head = proposals[proposals["proposal_id"].astype(str) == pid].iloc[0]
        lines = ui.fetch("proposal_lines", [pid])
        if lines is not None and not lines.empty:
            word = head.get("voucher_word") or "记"
            no = head.get("voucher_no") if "voucher_no" in proposals.columns else None
            st.markdown(
                f"#### {t('voucher_word_no')}: {word}-{no or '____'} · {t('voucher_date')}: "
                f"{head.get('voucher_date')} · {head.get('org_code')}"
            )
            if bool(head.get("period_shifted")):
                st.warning(t("period_shifted", p=head.get("target_period")))
            vt, balanced = voucher_table(lines)
            st.dataframe(
                vt, hide_index=True, width="stretch", key="vp_voucher", column_config=fmt.column_config(vt)
            )
            st.markdown(f"**{t('balanced') if balanced else t('unbalanced')}**")
            d1, d2 = st.columns(2)
            with d1:
                st.markdown(f"{t('source_document')}: `{head.get('source_document_no')}`")
                with st.expander(t("doc_chain", doc=head.get("source_document_no"))):
                    try:
                        events, gl = chain.document_chain(str(head.get("source_document_no")))
                        ui.table(events, "vp_chain_events", f"chain_{head.get('source_document_no')}")
                        ui.table(gl, "vp_chain_gl", f"chain_gl_{head.get('source_document_no')}")
                    except (wh.ModelMissing, wh.QueryFailed) as exc:
                        ui.result(exc)
            with d2:
                rule_id = head.get("rule_id") or ", ".join(
                    sorted(lines["rule_id"].dropna().astype(str).unique())
                )
                st.markdown(f"{t('rule')}: `{rule_id}`")
                first_rule = str(lines["rule_id"].dropna().iloc[0]) if lines["rule_id"].notna().any() else ""
                rule = ui.quiet(
                    wh.fetch_many([("posting_rule", (str(head.get("rule_id") or first_rule),))])[0]
                )
                if rule is not None and not rule.empty:
                    with st.expander(t("rule")):
                        shown = display.frame(rule)
                        st.dataframe(
                            shown, hide_index=True, key="vp_rule", column_config=fmt.column_config(shown)
                        )

        can_export = access.allowed("export_vouchers")  # the import file is finance's, not everyone's
        if can_export:
            st.subheader(t("export_selected"))
        chosen = (
            st.multiselect(
                t("select_proposals"),
                ids,
                default=ids[: min(len(ids), 50)],
                key="vp_export",
                placeholder=t("choose"),
            )
            if can_export
            else []
        )
        if chosen:
            sel = proposals[proposals["proposal_id"].astype(str).isin(chosen)]
            exp_lines = ui.fetch("proposal_lines", chosen)
            if exp_lines is not None:
                for col, kind in zip(st.columns([1, 1, 4]), ("xlsx", "csv"), strict=False):
                    with col:
                        st.download_button(
                            t(f"download_{kind}"),
                            key=f"vp_export_{kind}",
                            data=audited.download(
                                lambda kind=kind: downloads.voucher_import_bytes(sel, exp_lines, kind),
                                what="voucher_import",
                                fmt=kind,
                                frame=exp_lines,
                                action="export_vouchers",
                            ),
                            file_name=f"voucher_import.{kind}",
                            mime=MIME[kind],
                        )

st.subheader(t("unposted"))
unposted = ui.result(unposted)
if unposted is not None:
    reason = next((c for c in ("unposted_reason", "reason") if c in unposted.columns), None)
    if reason and not unposted.empty:
        counts = unposted.groupby(reason, as_index=False).size().rename(columns={"size": "event_count"})
        st.plotly_chart(charts.bar(counts, reason, "event_count", t("unposted")), key="vp_unposted_chart")
    ui.table(unposted, "vp_unposted", "voucher_unposted")
