"""Users, passwords, lockout and sessions in the operational database; every
change and login attempt lands in the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from fixtures_access import PASSWORD

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.ops import audit, login, users

FAST = login.LoginPolicy(max_failures=3, lockout_minutes=10, failure_delay_s=0)


def actions() -> list[str]:
    return audit.read()["action"].tolist()[::-1]


def test_add_user_returns_a_one_time_password_that_must_be_changed(ops_db: str):
    otp = users.add_user("Alice", roles=["finance"], orgs=["ORG01", "ORG02"], actor="admin")
    assert otp and len(otp) >= 12
    u = users.get_user("alice")
    assert u.roles == ("finance",) and u.orgs == ("ORG01", "ORG02") and u.must_change_password
    res = login.authenticate("alice", otp, policy=FAST)
    assert res.ok and res.user.must_change_password
    users.change_password("alice", otp, "a-new-long-secret")
    assert not users.get_user("alice").must_change_password
    assert login.authenticate("alice", "a-new-long-secret", policy=FAST).ok
    assert not login.authenticate("alice", otp, policy=FAST).ok
    assert actions() == ["user_added", "login", "password_changed", "login", "login_failed"]


def test_the_hash_is_argon2_and_never_the_password(ops_db: str, make_user):
    make_user("bob", "analyst")
    with sa.create_engine(ops_db).connect() as con:
        stored = con.execute(sa.text("select password_hash from users where username = 'bob'")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("name", "roles", "orgs", "message"),
    [
        ("x", ["finance"], ["ORG01"], "user name"),
        ("carol", ["wizard"], ["ORG01"], "unknown role"),
        ("carol", [], ["ORG01"], "at least one role"),
        ("carol", ["finance"], ["ORG'01"], "org codes"),
    ],
)
def test_bad_input_is_refused_in_one_line(ops_db: str, name, roles, orgs, message):
    with pytest.raises(LedgerbridgeError, match=message):
        users.add_user(name, roles=roles, orgs=orgs, actor="admin")
    assert users.list_users() == []


def test_weak_passwords_are_refused(ops_db: str, make_user):
    with pytest.raises(LedgerbridgeError, match="at least"):
        users.add_user("dave", roles=["finance"], orgs=["*"], password="short", actor="admin")
    make_user("erin", "finance")
    with pytest.raises(LedgerbridgeError, match="user name"):
        users.change_password("erin", PASSWORD, "erin-is-my-password")


def test_lockout_after_repeated_failures(ops_db: str, make_user):
    make_user("frank", "management")
    for _ in range(2):
        assert login.authenticate("frank", "wrong-password", policy=FAST).reason == "bad_password"
    res = login.authenticate("frank", "wrong-password", policy=FAST)
    assert res.reason == "locked" and res.locked_until > dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # locked: even the right password is refused until it runs out
    assert login.authenticate("frank", PASSWORD, policy=FAST).reason == "locked"
    assert actions()[-3:] == ["login_failed", "account_locked", "login_failed"]
    # an admin's reset unlocks
    otp = users.reset_password("frank", actor="admin")
    assert login.authenticate("frank", otp, policy=FAST).ok


def test_a_lock_runs_out(ops_db: str, make_user):
    make_user("gina", "management")
    short = login.LoginPolicy(max_failures=1, lockout_minutes=0.0005, failure_delay_s=0)
    assert login.authenticate("gina", "nope-nope-nope", policy=short).reason == "locked"
    import time

    time.sleep(0.05)
    assert login.authenticate("gina", PASSWORD, policy=short).ok


def test_failed_logins_wait(ops_db: str, make_user):
    import time

    make_user("hank", "management")
    t0 = time.perf_counter()
    login.authenticate("hank", "wrong-password", policy=login.LoginPolicy(failure_delay_s=0.3))
    assert time.perf_counter() - t0 >= 0.3


def test_unknown_and_disabled_users(ops_db: str, make_user):
    assert login.authenticate("nobody", "whatever-password", policy=FAST).reason == "unknown"
    make_user("ivan", "finance")
    token = login.start_session("ivan")
    assert login.check_session(token).user.username == "ivan"
    users.set_disabled("ivan", True, actor="admin")
    assert login.authenticate("ivan", PASSWORD, policy=FAST).reason == "disabled"
    assert login.check_session(token).user is None, "disabling ends the sessions"
    users.set_disabled("ivan", False, actor="admin")
    assert login.authenticate("ivan", PASSWORD, policy=FAST).ok


def test_sessions_end_at_logout_idle_and_expiry(ops_db: str, make_user, monkeypatch):
    make_user("judy", "finance")
    token = login.start_session("judy", client="10.0.0.7")
    assert login.check_session(token).user.username == "judy"
    login.end_session(token, client="10.0.0.7")
    assert login.check_session(token) == login.SessionCheck(None, "logout")
    assert login.check_session("made-up-token").reason == "unknown"

    idle = login.start_session("judy")
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=31)
    monkeypatch.setattr(login, "utcnow", lambda: later)
    assert login.check_session(idle).reason == "idle"

    monkeypatch.undo()
    monkeypatch.setenv("LEDGERBRIDGE_OPS_URL", ops_db)
    old = login.start_session("judy", policy=login.LoginPolicy(session_hours=0.0001))
    import time

    time.sleep(0.5)
    assert login.check_session(old).reason == "expired"
    with sa.create_engine(ops_db).connect() as con:
        stored = con.execute(sa.text("select token_hash from user_sessions")).scalars().all()
    assert token not in stored, "only the token's hash is stored"


def test_set_access_replaces_roles_and_grants(ops_db: str, make_user):
    make_user("kate", "analyst", ["ORG01"])
    users.set_access("kate", roles=["analyst", "auditor"], orgs=["ORG02", "ORG03"], actor="admin")
    u = users.get_user("kate")
    assert u.roles == ("analyst", "auditor") and u.orgs == ("ORG02", "ORG03")
    users.set_access("kate", orgs=[], actor="admin")
    assert users.get_user("kate").orgs == ()
    last = audit.read(actions=["access_changed"]).iloc[0]
    assert '"to": []' in last["detail"]


def test_single_sign_on_maps_the_email(ops_db: str, make_user):
    make_user("lena", "finance", email="Lena@Example.com")
    assert login.sso_login("lena@example.com").user.username == "lena"
    assert login.sso_login("stranger@example.com").reason == "unknown"
    assert audit.read(actions=["login"]).iloc[0]["detail"].count("oidc") == 1
