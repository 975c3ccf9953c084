"""Users: roles, org grants, one-time passwords, disable — for admins; every change is audited."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.lib import access, ui
from app.lib import warehouse as wh
from app.lib.i18n import t
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.ops import users
from ledgerbridge.roles import policy

st.title(t("page_users"))
ui.guard()
admin = access.require_action("manage_users")
roles = sorted(policy().roles)
orgs = list(wh.warehouse_orgs())

st.subheader(t("users_list"))
table = pd.DataFrame(
    [
        {
            "username": u.username,
            "display_name": u.display_name,
            "email": u.email,
            "roles": ", ".join(u.roles),
            "orgs": t("all_orgs") if u.all_orgs else ", ".join(u.orgs),
            "disabled": u.is_disabled,
            "must_change_password": u.must_change_password,
            "locked_until": u.locked_until,
            "last_login_at": u.last_login_at,
        }
        for u in users.list_users()
    ]
)
st.dataframe(table, hide_index=True, width="stretch", key="us_table")


def _grants(key: str, current: tuple[str, ...] = ()) -> list[str]:
    every = st.checkbox(t("all_orgs_grant"), value="*" in current, key=f"{key}_all")
    if every:
        return ["*"]
    picked = st.multiselect(
        t("org_grants"), orgs, default=[o for o in current if o in orgs], key=f"{key}_orgs"
    )
    return list(picked)


def _done(message: str) -> None:
    st.session_state["us_notice"] = message
    st.rerun()


if notice := st.session_state.pop("us_notice", None):
    st.success(notice)

with st.expander(t("user_add")):
    name = st.text_input(t("username"), key="us_new_name")
    display = st.text_input(t("display_name"), key="us_new_display")
    email = st.text_input(t("email"), key="us_new_email")
    new_roles = st.multiselect(t("roles"), roles, key="us_new_roles")
    grants = _grants("us_new")
    if st.button(t("create"), key="us_create", type="primary"):
        try:
            otp = users.add_user(
                name,
                roles=new_roles,
                orgs=grants,
                display_name=display or None,
                email=email or None,
                actor=admin.username,
                client=admin.client,
            )
        except LedgerbridgeError as exc:
            st.error(str(exc))
        else:
            _done(t("one_time_password", user=name.strip().lower(), otp=otp))

names = table["username"].tolist() if not table.empty else []
if names:
    st.subheader(t("user_edit"))
    who = st.selectbox(t("username"), names, key="us_pick")
    u = users.get_user(who)
    edit_roles = st.multiselect(t("roles"), roles, default=list(u.roles), key=f"us_roles_{who}")
    edit_grants = _grants(f"us_edit_{who}", u.orgs)
    b1, b2, b3 = st.columns(3)
    try:
        if b1.button(t("save"), key="us_save", type="primary"):
            users.set_access(
                who, roles=edit_roles, orgs=edit_grants, actor=admin.username, client=admin.client
            )
            _done(t("user_saved", user=who))
        if b2.button(t("reset_password"), key="us_reset"):
            otp = users.reset_password(who, actor=admin.username, client=admin.client)
            _done(t("one_time_password", user=who, otp=otp))
        label = t("enable_user") if u.is_disabled else t("disable_user")
        if b3.button(label, key="us_toggle", disabled=who == admin.username):
            users.set_disabled(who, not u.is_disabled, actor=admin.username, client=admin.client)
            _done(t("user_saved", user=who))
    except LedgerbridgeError as exc:
        st.error(str(exc))
