"""A pytest plugin for the access tests: a fresh operational database per test,
and users created the way an admin creates them (``ledgerbridge.ops.users``).

Registered in conftest.py (``pytest_plugins``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

#: A password that passes the strength check; tests log in with it.
PASSWORD = "correct-horse-battery"


@pytest.fixture
def ops_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty operational database (SQLite) for this test only; returns its URL."""
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    monkeypatch.setenv("LEDGERBRIDGE_OPS_URL", url)
    return url


@pytest.fixture
def make_user(ops_db: str) -> Callable[..., str]:
    """``make_user(name, roles, orgs)``: a user with the known PASSWORD (no change required)."""
    from ledgerbridge.ops import users

    def make(name: str, roles: list[str] | str, orgs: list[str] | str = ("*",), **kw) -> str:
        roles = [roles] if isinstance(roles, str) else roles
        orgs = [orgs] if isinstance(orgs, str) else orgs
        users.add_user(name, roles=roles, orgs=orgs, password=PASSWORD, actor="test", **kw)
        return name

    return make


@pytest.fixture
def fast_login(monkeypatch: pytest.MonkeyPatch) -> None:
    """No delay after a failed login (the lockout itself stays)."""
    monkeypatch.setenv("LEDGERBRIDGE_LOGIN_DELAY_S", "0")


def login_session(at, username: str, method: str = "password") -> str:
    """Sign ``username`` in on an AppTest as the login form would (a session in the ops DB)."""
    from ledgerbridge.ops import login

    token = login.start_session(username, method=method)
    at.session_state["lb_session"] = token
    at.session_state["lb_method"] = method
    return token


@pytest.fixture
def console_roles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default roles, with the SQL console also reading schema ``main`` (the synthetic warehouse's)."""
    from ledgerbridge.roles import DEFAULT_PATH

    text = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        'console_schemas = ["core",', 'console_schemas = ["main", "core",'
    )
    path = tmp_path / "roles.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("LEDGERBRIDGE_ROLES", str(path))
    return path
