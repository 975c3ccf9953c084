"""Audit log: who did what, when, from where — filter, check the hash chain, download."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app.lib import access, ui
from app.lib.i18n import t
from ledgerbridge.ops import audit

st.title(t("page_audit"))
ui.guard()
access.require_action("view_audit")

c1, c2, c3, c4 = st.columns([1, 1, 1, 2])
today = dt.datetime.now(dt.UTC).date()
since = c1.date_input(t("audit_from"), today - dt.timedelta(days=30), key="au_from")
until = c2.date_input(t("audit_to"), today, key="au_to")
actor = c3.selectbox(t("audit_actor"), ["", *audit.distinct_values("actor")], key="au_actor")
actions = c4.multiselect(t("audit_action"), audit.distinct_values("action"), key="au_actions")
text = st.text_input(t("audit_text"), key="au_text").strip()

entries = audit.read(
    since=dt.datetime.combine(since, dt.time()),
    until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time()),
    actor=actor or None,
    actions=actions,
    text=text or None,
)
st.caption(t("audit_entries", n=len(entries)))
ui.table(entries, "au_entries", "audit_log")

if st.button(t("audit_verify"), key="au_verify"):
    v = audit.verify()
    if v.ok:
        st.success(t("audit_chain_ok", n=v.checked, head=v.head_hash[:16] + "…"))
    else:
        st.error(t("audit_chain_broken", seq=v.broken_seq, reason=v.reason))
