"""Reconciliation workbench: documents by status, account bridge, exceptions
(one row per document, its legs on demand), open exceptions by period."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.lib import charts, fmt, ui
from app.lib import queries as Q
from app.lib import warehouse as wh
from app.lib.i18n import get_lang, status_label, t

st.title(t("page_recon"))
ui.guard()
f = ui.filters("rc")
statuses = st.multiselect(
    t("status"),
    Q.EXCEPTION_STATUSES,
    placeholder=t("all"),
    default=list(Q.EXCEPTION_STATUSES),
    format_func=lambda s, lang=get_lang(): status_label(s, lang),
    key="rc_status",
)
c1, c2 = st.columns([3, 1])
search = c1.text_input(t("search"), key="rc_search").strip()
legs = c2.toggle(t("show_legs"), key="rc_legs", help=t("doc_count_help"))
f["statuses"] = statuses or list(Q.EXCEPTION_STATUSES)
reqs = Q.page_requests("recon", f)
reqs[3] = (
    "recon_exceptions",
    (Q.period_end(f["p1"]).isoformat(), f["orgs"], f["p0"], f["p1"], f["statuses"], search, search),
)
summary, by_status, bridge, exceptions, trend = wh.fetch_many(reqs)

by_status = ui.result(by_status)
summary = ui.quiet(summary)
if by_status is not None:
    order = {s: i for i, s in enumerate(Q.RECON_STATUSES)}
    by_status = by_status.sort_values("recon_status", key=lambda s: s.map(order)).reset_index(drop=True)
    st.subheader(t("by_status"))
    cols = st.columns(min(4, max(1, len(by_status))))
    for i, r in enumerate(by_status.itertuples()):
        with cols[i % len(cols)]:
            st.metric(
                status_label(r.recon_status),
                f"{int(r.document_count):,}",
                help=f"{t('documents')}: {int(r.document_count):,} · {t('legs')}: {int(r.item_count):,} · "
                f"{t('difference')}: {fmt.money(r.difference)}",
            )
            if legs:
                st.caption(f"{t('legs')}: {int(r.item_count):,}")
    count_col = "item_count" if legs else "document_count"
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(
            charts.bar(
                by_status.assign(recon_status=by_status["recon_status"].map(status_label)),
                "recon_status",
                count_col,
                f"{t('by_status')} · {t('legs') if legs else t('documents')}",
            ),
            key="rc_status_count",
        )
    with c2:
        if summary is not None:
            exc_only = summary[summary["recon_status"] != "matched"]
            by_acct = exc_only.groupby(["control_account", "recon_status"], as_index=False)[count_col].sum()
            if not by_acct.empty:
                st.plotly_chart(
                    charts.bar(
                        by_acct,
                        "control_account",
                        count_col,
                        t("by_account"),
                        color="recon_status",
                        barmode="stack",
                    ),
                    key="rc_by_account",
                )
    shown = by_status if legs else by_status.drop(columns=["item_count"])
    ui.table(shown, "rc_by_status", "recon_by_status")
    if summary is not None:
        with st.expander(f"{t('by_status')} × {t('org')} × {t('period')} × {t('control_account')}"):
            ui.table(summary if legs else summary.drop(columns=["item_count"]), "rc_summary", "recon_summary")

st.subheader(t("bridge"))
bridge = ui.result(bridge)
if bridge is not None and not bridge.empty:
    b1, b2 = st.columns(2)
    with b1:
        borg = st.selectbox(
            t("org"), sorted(bridge["org_code"].unique()), key="rc_bridge_org", format_func=ui.org_formatter()
        )
    with b2:
        accts = sorted(bridge.loc[bridge["org_code"] == borg, "control_account"].astype(str).unique())
        bacct = st.selectbox(t("control_account"), accts, key="rc_bridge_account")
    row = bridge[(bridge["org_code"] == borg) & (bridge["control_account"].astype(str) == bacct)].iloc[0]
    start = next((c for c in ("subledger_closing", "subledger_balance") if c in bridge.columns), None)
    end = next((c for c in ("gl_closing", "gl_balance") if c in bridge.columns), None)
    cats = [c for c in Q.RECON_STATUSES[1:] if c in bridge.columns] + (
        ["unexplained"] if "unexplained" in bridge.columns else []
    )
    if start and end:
        steps = [(t("subledger_closing"), float(row[start] or 0))]
        steps += [
            (status_label(c) if c != "unexplained" else t("unexplained"), float(row[c] or 0)) for c in cats
        ]
        steps.append((t("gl_closing"), float(row[end] or 0)))
        st.plotly_chart(
            charts.waterfall(steps, f"{borg} · {bacct} · {f['p1']}", steps[0][0], steps[-1][0]),
            key="rc_waterfall",
        )
        st.caption(
            f"{t('subledger_closing')} {fmt.money(row[start])} → {t('gl_closing')} {fmt.money(row[end])}"
            + (f" · {t('unexplained')} {fmt.money(row['unexplained'])}" if "unexplained" in cats else "")
        )
    ui.table(bridge, "rc_bridge", f"recon_bridge_{f['p1']}")
elif bridge is not None:
    st.info(t("no_data"))

st.subheader(t("exceptions"))
exceptions = ui.result(exceptions)
if exceptions is not None:
    reason = "reason_zh" if get_lang() == "zh" else "reason_en"
    biz = ["business_document_no", "event_type", "item_date", "business_amount_base"]
    gl = ["gl_voucher_no", "gl_amount_base"]
    order = [
        "recon_status",
        "org_code",
        "period",
        "control_account",
        *biz,
        *gl,
        "difference",
        "age_days",
        reason,
        "match_tier",
    ]
    view = exceptions[[c for c in order if c in exceptions.columns]]
    if not legs and not view.empty:
        # one row per document: its legs' control accounts listed, the amounts of its largest leg
        # (a document's legs offset each other, so their sum says nothing)
        def largest(values: pd.Series) -> float | None:
            values = values.dropna()
            return None if values.empty else values.loc[values.abs().idxmax()]

        doc = view["business_document_no"].fillna(view["gl_voucher_no"])
        keys = ["recon_status", "org_code", "period"]
        view = (
            view.assign(_doc=doc)
            .groupby([*keys, "_doc"], as_index=False, dropna=False, sort=False)
            .agg(
                control_account=(
                    "control_account",
                    lambda s: ", ".join(sorted({str(v) for v in s.dropna()})),
                ),
                business_document_no=("business_document_no", "first"),
                event_type=("event_type", "first"),
                item_date=("item_date", "min"),
                business_amount_base=("business_amount_base", largest),
                gl_voucher_no=("gl_voucher_no", "first"),
                gl_amount_base=("gl_amount_base", largest),
                difference=("difference", largest),
                age_days=("age_days", "max"),
                **{reason: (reason, "first")},
                leg_count=("control_account", "size"),
            )
            .drop(columns="_doc")
        )
    st.caption(
        f"{t('business_side')}: {t('business_document_no')} · {t('gl_side')}: {t('gl_voucher_no')} · "
        f"{t('age_days')} @ {Q.period_end(f['p1'])}"
    )
    ui.table(view, "rc_exceptions", f"recon_exceptions_{f['p0']}_{f['p1']}")

st.subheader(t("open_trend"))
trend = ui.result(trend)
if trend is not None and not trend.empty:
    y = "leg_count" if legs and "leg_count" in trend.columns else "open_count"
    st.plotly_chart(charts.status_bars(trend, "period", y, "recon_status", t("open_trend")), key="rc_trend")
    pivot = trend.pivot_table(index="period", columns="recon_status", values=y, aggfunc="sum", fill_value=0)
    pivot = pivot.sort_index().reset_index()
    pivot.columns = [str(c) if c == "period" else status_label(str(c)) for c in pivot.columns]
    ui.table(pd.DataFrame(pivot), "rc_trend_table", "recon_open_trend")
