"""The login gate of the app: nothing but the login form renders without a session.

:func:`gate` runs first on every script run (``streamlit_app.py``). A session token
lives only in this browser tab's Streamlit session; its sha256 and state live in the
operational database (:mod:`ledgerbridge.ops.users`), which is asked on every run,
so a logout, an expiry, a disabled user or a changed grant takes effect at once and
a page refresh after logout shows the login form. Single sign-on uses Streamlit's
``st.login`` (OIDC) when ``.streamlit/secrets.toml`` has an ``[auth]`` section; the
identity's e-mail must belong to a user, whose roles and grants apply.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAuthError

from app.lib import access, settings
from app.lib.i18n import t
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.ops import audit, login, users

TOKEN_KEY = "lb_session"
_NOTICE_KEY = "lb_notice"
_PAGE_KEY = "lb_page"
_LAST_VIEW_KEY = "lb_last_view"


def client() -> str:
    """Where the request comes from: the proxy's X-Forwarded-For, else the peer address."""
    try:
        fwd = st.context.headers.get("X-Forwarded-For", "")
        ip = st.context.ip_address
    except Exception:  # outside a browser session
        return ""
    first = fwd.split(",")[0].strip() if isinstance(fwd, str) else ""
    return (first or (ip if isinstance(ip, str) else ""))[:256]


def _principal(user: users.User, method: str) -> access.Principal:
    return access.principal(
        user.username,
        user.roles,
        user.orgs,
        display_name=user.display_name,
        client=client(),
        method=method,
    )


def sso_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` has an ``[auth]`` section (OIDC)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _sso_identity() -> str | None:
    """The e-mail of an identity-provider login in this browser, if any."""
    if not sso_configured():
        return None
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or "") or None
    except Exception:  # no user info in this context
        return None
    return None


def _start(user: users.User, method: str) -> None:
    token = login.start_session(user.username, client=client(), method=method, policy=settings.login_policy())
    st.session_state[TOKEN_KEY] = token


def _current_session() -> users.User | None:
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return None
    check = login.check_session(token, policy=settings.login_policy(), client=client())
    if check.user is None:
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state[_NOTICE_KEY] = f"session_{check.reason}" if check.reason != "unknown" else ""
    return check.user


def gate() -> access.Principal:
    """The logged-in principal, or draw the login form and stop the run."""
    user = _current_session()
    if user is None and (email := _sso_identity()):
        res = login.sso_login(email, client=client())
        if res.ok and res.user is not None:
            st.session_state["lb_method"] = "oidc"
            _start(res.user, "oidc")
            user = res.user
        else:
            access.set_session_principal(None)
            st.error(t("sso_unknown", email=email))
            if st.button(t("logout"), key="lb_sso_logout"):
                st.logout()
            st.stop()
    if user is None:
        access.set_session_principal(None)
        _login_form()
        st.stop()
    p = _principal(user, st.session_state.get("lb_method", "password"))
    access.set_session_principal(p)
    if user.must_change_password and p.method == "password":
        st.title(t("change_password"))
        st.info(t("must_change_password"))
        _password_form("lb_first")
        _logout_button("lb_logout_first")
        st.stop()
    return p


def _login_form() -> None:
    st.title(t("login_title"))
    notice = st.session_state.pop(_NOTICE_KEY, "")
    if notice:
        st.info(t(notice))
    with st.form("lb_login", clear_on_submit=False):
        name = st.text_input(t("username"), key="lb_login_user")
        password = st.text_input(t("password"), type="password", key="lb_login_password")
        submitted = st.form_submit_button(t("login"), type="primary")
    if sso_configured():
        sso = settings.sso()
        if st.button(sso["label"], key="lb_sso"):
            try:
                st.login(sso["provider"]) if sso["provider"] else st.login()
            except StreamlitAuthError as exc:  # an incomplete [auth] section: one line, no traceback
                st.error(t("sso_misconfigured", error=" ".join(str(exc).split())))
    if not submitted:
        return
    res = login.authenticate(name, password, client=client(), policy=settings.login_policy())
    if res.ok and res.user is not None:
        st.session_state["lb_method"] = "password"
        _start(res.user, "password")
        st.session_state.pop("lb_login_password", None)
        st.rerun()
    elif res.reason == "locked" and res.locked_until is not None:
        st.error(t("login_locked", until=f"{res.locked_until:%Y-%m-%d %H:%M}"))
    else:  # unknown user, wrong password, disabled: one message, nothing to learn from it
        st.error(t("login_failed"))


def _password_form(key: str) -> None:
    p = access.require()
    with st.form(key):
        old = st.text_input(t("current_password"), type="password", key=f"{key}_old")
        new = st.text_input(t("new_password"), type="password", key=f"{key}_new")
        again = st.text_input(t("repeat_password"), type="password", key=f"{key}_again")
        submitted = st.form_submit_button(t("change_password"), type="primary")
    if not submitted:
        return
    if new != again:
        st.error(t("passwords_differ"))
        return
    try:
        users.change_password(p.username, old, new, client=client())
    except LedgerbridgeError as exc:
        st.error(str(exc))
        return
    st.success(t("password_changed"))
    st.rerun()


def _logout_button(key: str) -> None:
    if st.button(t("logout"), key=key, icon=":material/logout:"):
        logout()


def logout() -> None:
    """End the session everywhere it counts: the database, this tab and, for SSO, the provider."""
    token = st.session_state.get(TOKEN_KEY)
    method = st.session_state.get("lb_method", "password")
    if token:
        login.end_session(token, client=client())
    for key in list(st.session_state):  # nothing of the user's stays behind (results, filters)
        if key != "lang":
            del st.session_state[key]
    st.session_state[_NOTICE_KEY] = "session_logout"
    if method == "oidc" and sso_configured():
        st.logout()
    st.rerun()


def sidebar(p: access.Principal) -> None:
    """Who is signed in, with what roles and orgs; password change and logout."""
    orgs = t("all_orgs") if p.all_orgs else (", ".join(p.granted) or t("no_orgs"))
    with st.sidebar:
        roles = ", ".join(p.roles)
        st.caption(t("signed_in_as", name=p.display_name, user=p.username, roles=roles, orgs=orgs))
        if p.method == "password":
            with st.expander(t("change_password")):
                _password_form("lb_pw")
        _logout_button("lb_logout")


# --- pages -------------------------------------------------------------------------


def set_page(page: str) -> None:
    """Record the page this run renders (pages check it through :func:`require_page`)."""
    st.session_state[_PAGE_KEY] = page


def current_page() -> str:
    """The page this run renders."""
    return str(st.session_state.get(_PAGE_KEY, ""))


def record_view(p: access.Principal, page: str) -> None:
    """A ``page_view`` audit entry when the user opens a sensitive page (not on every rerun)."""
    from ledgerbridge.roles import policy

    last = st.session_state.get(_LAST_VIEW_KEY)
    st.session_state[_LAST_VIEW_KEY] = page
    if page in policy().sensitive_pages and last != page:
        audit.append("page_view", actor=p.username, target=page, orgs=p.granted, client=p.client)
