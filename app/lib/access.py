"""Who is asking, and what they may see: the principal, its pages and actions,
and its org scope. The data layer (:mod:`app.lib.warehouse`, :mod:`app.lib.console`)
calls :func:`require` on every read, so a page that forgets a check still gets
nothing it may not have.

The principal comes from the login (:mod:`app.lib.auth`, kept in the Streamlit
session) or, outside a Streamlit run (scheduled reports, tests), from :func:`use`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ledgerbridge.roles import policy

#: The org code of consolidated rows in the finance marts.
GROUP = "GROUP"
ALL_ORGS = "*"
_SESSION_KEY = "lb_principal"
_override: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("lb_principal", default=None)


class AccessDenied(PermissionError):
    """The user may not see this page, run this query or take this action."""

    def __reduce__(self):  # st.cache_data pickles results, errors included
        return (type(self), self.args)


class NotLoggedIn(AccessDenied):
    """No logged-in user: nothing is read."""


@dataclass(frozen=True)
class Principal:
    """A logged-in user as the data layer sees it."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    granted: tuple[str, ...]  # org codes, or ("*",) for every org
    pages: frozenset[str]
    actions: frozenset[str]
    client: str = ""
    method: str = "password"

    @property
    def all_orgs(self) -> bool:
        """Granted every org, present and future."""
        return ALL_ORGS in self.granted

    def can_open(self, page: str) -> bool:
        """Whether one of the user's roles lists ``page``."""
        return page in self.pages

    def can(self, action: str) -> bool:
        """Whether one of the user's roles lists ``action``."""
        return action in self.actions


def principal(
    username: str,
    roles: Iterable[str],
    granted: Iterable[str],
    *,
    display_name: str = "",
    client: str = "",
    method: str = "password",
) -> Principal:
    """A principal with the pages and actions of its roles (unknown roles give nothing)."""
    pol = policy()
    known = [pol.roles[r] for r in roles if r in pol.roles]
    return Principal(
        username=username,
        display_name=display_name or username,
        roles=tuple(roles),
        granted=tuple(sorted(set(granted))),
        pages=frozenset().union(*(r.pages for r in known)),
        actions=frozenset().union(*(r.actions for r in known)),
        client=client,
        method=method,
    )


@dataclass(frozen=True)
class Scope:
    """The orgs a principal sees in one warehouse.

    ``orgs``: granted orgs that the warehouse has. ``full``: every org of the
    warehouse is granted, so the consolidated (``GROUP``) rows are visible too.
    """

    orgs: tuple[str, ...]
    full: bool

    @property
    def codes(self) -> tuple[str, ...]:
        """The ``org_code`` values the user's queries may return."""
        return (*self.orgs, GROUP) if self.full else self.orgs


def scope_of(p: Principal, warehouse_orgs: Iterable[str]) -> Scope:
    """The principal's scope in a warehouse whose orgs (``dim_org``) are ``warehouse_orgs``."""
    existing = sorted({o for o in warehouse_orgs if o and o != GROUP})
    if p.all_orgs:
        return Scope(tuple(existing), bool(existing))
    granted = set(p.granted)
    orgs = tuple(o for o in existing if o in granted)
    return Scope(orgs, bool(existing) and len(orgs) == len(existing))


# --- the current principal ------------------------------------------------------------


def current() -> Principal | None:
    """The principal of this run: set by :func:`use`, else the Streamlit session's login."""
    p = _override.get()
    if p is not None:
        return p
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        if get_script_run_ctx(suppress_warning=True) is None:
            return None
        import streamlit as st

        p = st.session_state.get(_SESSION_KEY)
    except Exception:  # no Streamlit session here
        return None
    return p if isinstance(p, Principal) else None


def set_session_principal(p: Principal | None) -> None:
    """Called by the login flow only: the principal of this browser session."""
    import streamlit as st

    if p is None:
        st.session_state.pop(_SESSION_KEY, None)
    else:
        st.session_state[_SESSION_KEY] = p


@contextmanager
def use(p: Principal) -> Iterator[Principal]:
    """Act as ``p`` outside a Streamlit run (scheduled jobs, tests)."""
    token = _override.set(p)
    try:
        yield p
    finally:
        _override.reset(token)


def require() -> Principal:
    """The current principal, or :class:`NotLoggedIn`."""
    p = current()
    if p is None:
        raise NotLoggedIn("not logged in")
    return p


def require_page(page: str) -> Principal:
    """The principal if it may open ``page``, else :class:`AccessDenied`."""
    p = require()
    if not p.can_open(page):
        raise AccessDenied(f"{p.username} may not open page {page!r}")
    return p


def require_action(action: str) -> Principal:
    """The principal if it may take ``action``, else :class:`AccessDenied`."""
    p = require()
    if not p.can(action):
        raise AccessDenied(f"{p.username} may not {action}")
    return p


def allowed(action: str) -> bool:
    """Whether the current principal may take ``action`` (False when nobody is logged in)."""
    p = current()
    return p is not None and p.can(action)
