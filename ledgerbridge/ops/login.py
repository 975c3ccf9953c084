"""Logging in and sessions: password checks with lockout, single sign-on, session tokens.

After ``max_failures`` wrong passwords in a row an account is locked for
``lockout_minutes``; every failure waits ``failure_delay_s`` first. A session is a
random token whose sha256 is stored (``user_sessions``), ending after ``idle_minutes``
without use, after ``session_hours``, at logout, or when the user is disabled or their
password reset. Every attempt and every ended session is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa

from ledgerbridge.ops import audit
from ledgerbridge.ops.db import engine
from ledgerbridge.ops.users import (
    HASHER,
    User,
    find_by_email,
    load_user,
    user_sessions,
    users,
    utcnow,
    verify_password,
)


@dataclass(frozen=True)
class LoginPolicy:
    """Lockout and session limits (the app reads them from its config, ``[access]``)."""

    max_failures: int = 5
    lockout_minutes: float = 15.0
    failure_delay_s: float = 1.0
    idle_minutes: float = 30.0
    session_hours: float = 12.0


@dataclass(frozen=True)
class LoginResult:
    """``ok`` with the user, or why not: unknown, bad_password, locked, disabled, no_password."""

    ok: bool
    reason: str = ""
    user: User | None = None
    locked_until: dt.datetime | None = None


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so both paths cost the same."""
    return HASHER.hash(secrets.token_urlsafe(16))


def authenticate(
    username: str, password: str, *, client: str = "", policy: LoginPolicy | None = None
) -> LoginResult:
    """Check a password login; counts failures, locks after too many, logs every attempt."""
    policy = policy or LoginPolicy()
    name = (username or "").strip().lower()[:64]
    now = utcnow()
    with engine().begin() as con:
        row = con.execute(sa.select(users).where(users.c.username == name)).mappings().first()
        if row is None:
            verify_password(_dummy_hash(), password or "")
            audit.append(
                "login_failed",
                actor=name or "?",
                target=name,
                client=client,
                detail={"reason": "unknown"},
                con=con,
            )
            result = LoginResult(False, "unknown")
        elif row["is_disabled"]:
            audit.append(
                "login_failed", actor=name, target=name, client=client, detail={"reason": "disabled"}, con=con
            )
            result = LoginResult(False, "disabled")
        elif row["locked_until"] is not None and row["locked_until"] > now:
            audit.append(
                "login_failed", actor=name, target=name, client=client, detail={"reason": "locked"}, con=con
            )
            result = LoginResult(False, "locked", locked_until=row["locked_until"])
        elif row["password_hash"] is None:
            audit.append(
                "login_failed",
                actor=name,
                target=name,
                client=client,
                detail={"reason": "no_password"},
                con=con,
            )
            result = LoginResult(False, "no_password")
        elif not verify_password(row["password_hash"], password or ""):
            failures = int(row["failed_logins"]) + 1
            locked = (
                now + dt.timedelta(minutes=policy.lockout_minutes)
                if failures >= policy.max_failures
                else None
            )
            con.execute(
                users.update()
                .where(users.c.username == name)
                .values(failed_logins=0 if locked else failures, locked_until=locked)
            )
            audit.append(
                "login_failed",
                actor=name,
                target=name,
                client=client,
                detail={"reason": "bad_password", "failures": failures},
                con=con,
            )
            if locked:
                audit.append(
                    "account_locked",
                    actor=name,
                    target=name,
                    client=client,
                    detail={"until": locked.isoformat(timespec="seconds"), "failures": failures},
                    con=con,
                )
            result = LoginResult(False, "locked" if locked else "bad_password", locked_until=locked)
        else:
            con.execute(
                users.update()
                .where(users.c.username == name)
                .values(failed_logins=0, locked_until=None, last_login_at=now)
            )
            audit.append(
                "login", actor=name, target=name, client=client, detail={"method": "password"}, con=con
            )
            result = LoginResult(True, user=load_user(con, name))
    if not result.ok and policy.failure_delay_s > 0:
        time.sleep(policy.failure_delay_s)  # slows guessing; the lockout stops it
    return result


def sso_login(email: str, *, client: str = "") -> LoginResult:
    """A login confirmed by the identity provider (OIDC): the user whose e-mail it is, if enabled."""
    user = find_by_email(email)
    reason = "" if user is not None and not user.is_disabled else ("disabled" if user else "unknown")
    with engine().begin() as con:
        if reason:
            audit.append(
                "login_failed",
                actor=(email or "?")[:128],
                target=(email or "")[:128],
                client=client,
                detail={"reason": reason, "method": "oidc"},
                con=con,
            )
            return LoginResult(False, reason)
        con.execute(users.update().where(users.c.username == user.username).values(last_login_at=utcnow()))
        audit.append(
            "login",
            actor=user.username,
            target=user.username,
            client=client,
            detail={"method": "oidc", "email": email},
            con=con,
        )
    return LoginResult(True, user=user)


# --- sessions ------------------------------------------------------------------------


#: How often a session's last use is written (the idle limit is measured in minutes).
_TOUCH_EVERY = dt.timedelta(seconds=60)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(
    username: str, *, client: str = "", method: str = "password", policy: LoginPolicy | None = None
) -> str:
    """A new session token for ``username`` (only its hash is stored)."""
    policy = policy or LoginPolicy()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with engine().begin() as con:
        con.execute(
            user_sessions.insert().values(
                token_hash=_token_hash(token),
                username=username,
                method=method,
                client=client or "",
                created_at=now,
                last_seen_at=now,
                expires_at=now + dt.timedelta(hours=policy.session_hours),
            )
        )
    return token


@dataclass(frozen=True)
class SessionCheck:
    """The session's user when it is valid, else why it ended (expired, idle, ended, disabled, unknown)."""

    user: User | None
    reason: str = ""


def check_session(token: str, *, policy: LoginPolicy | None = None, client: str = "") -> SessionCheck:
    """Validate and touch a session; an expired or idle one is ended and logged."""
    policy = policy or LoginPolicy()
    now = utcnow()
    with engine().begin() as con:
        row = (
            con.execute(
                sa.select(user_sessions).where(user_sessions.c.token_hash == _token_hash(token or ""))
            )
            .mappings()
            .first()
        )
        if row is None:
            return SessionCheck(None, "unknown")
        if row["ended_at"] is not None:
            return SessionCheck(None, row["end_reason"] or "ended")
        user = load_user(con, row["username"])
        reason = ""
        if user is None or user.is_disabled:
            reason = "disabled"
        elif now >= row["expires_at"]:
            reason = "expired"
        elif now - row["last_seen_at"] > dt.timedelta(minutes=policy.idle_minutes):
            reason = "idle"
        if reason:
            _end(con, row["token_hash"], reason)
            audit.append(
                "session_ended",
                actor=row["username"],
                target=row["username"],
                client=client,
                detail={"reason": reason},
                con=con,
            )
            return SessionCheck(None, reason)
        if now - row["last_seen_at"] >= _TOUCH_EVERY:  # one write a minute, not one per click
            con.execute(
                user_sessions.update()
                .where(user_sessions.c.token_hash == row["token_hash"])
                .values(last_seen_at=now)
            )
        return SessionCheck(user)


def end_session(token: str, *, reason: str = "logout", client: str = "") -> None:
    """Log out: the token stops working at once (a refresh does not bring it back)."""
    with engine().begin() as con:
        row = con.execute(
            sa.select(user_sessions.c.token_hash, user_sessions.c.username, user_sessions.c.ended_at).where(
                user_sessions.c.token_hash == _token_hash(token or "")
            )
        ).first()
        if row is None or row.ended_at is not None:
            return
        _end(con, row.token_hash, reason)
        audit.append(
            "logout" if reason == "logout" else "session_ended",
            actor=row.username,
            target=row.username,
            client=client,
            detail={"reason": reason},
            con=con,
        )


def _end(con: sa.Connection, token_hash: str, reason: str) -> None:
    con.execute(
        user_sessions.update()
        .where(user_sessions.c.token_hash == token_hash)
        .values(ended_at=utcnow(), end_reason=reason)
    )
