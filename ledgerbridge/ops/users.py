"""Users, their roles and org grants, and their passwords (the tables of the area).

Passwords are stored as argon2id hashes (argon2-cffi); a new or reset password is a
one-time password the user must change at the next login. Every change is written to
the audit log (:mod:`ledgerbridge.ops.audit`) in the same transaction. Logging in and
sessions: :mod:`ledgerbridge.ops.login`.

Org grants: org codes, or ``*`` for every org (present and future). No grant: no data.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.ops import audit
from ledgerbridge.ops.db import Migration, engine, register

AREA = "users"
ALL_ORGS = "*"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
ORG_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
MIN_PASSWORD = 10

_meta = sa.MetaData()
users = sa.Table(
    "users",
    _meta,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), unique=True),
    sa.Column("password_hash", sa.String(256)),
    sa.Column("must_change_password", sa.Boolean, nullable=False),
    sa.Column("is_disabled", sa.Boolean, nullable=False),
    sa.Column("failed_logins", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.DateTime),
    sa.Column("last_login_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
user_roles = sa.Table(
    "user_roles",
    _meta,
    sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), primary_key=True),
    sa.Column("role", sa.String(64), primary_key=True),
)
user_org_grants = sa.Table(
    "user_org_grants",
    _meta,
    sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), primary_key=True),
    sa.Column("org_code", sa.String(32), primary_key=True),
)
user_sessions = sa.Table(
    "user_sessions",
    _meta,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), nullable=False, index=True),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("client", sa.String(256), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime),
    sa.Column("end_reason", sa.String(32)),
)

register(Migration(AREA, 1, "users, roles, org grants and sessions", lambda con: _meta.create_all(con)))

HASHER = PasswordHasher()


@dataclass(frozen=True)
class User:
    """A user as the app and the CLI see it (never the hash)."""

    username: str
    display_name: str
    email: str | None
    roles: tuple[str, ...]
    orgs: tuple[str, ...]
    must_change_password: bool
    is_disabled: bool
    failed_logins: int
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None
    has_password: bool = field(default=True)

    @property
    def all_orgs(self) -> bool:
        """Granted every org, present and future."""
        return ALL_ORGS in self.orgs


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def normalize_username(name: str) -> str:
    """Lower-case, trimmed; a clear error when it is not a valid user name."""
    name = (name or "").strip().lower()
    if not USERNAME.fullmatch(name):
        raise LedgerbridgeError(
            f"user name {name!r}: 2–64 characters a–z, 0–9, '.', '_', '@', '-', "
            "starting with a letter or digit"
        )
    return name


def _check_orgs(orgs: Iterable[str]) -> list[str]:
    out = sorted({o.strip() for o in orgs if o and o.strip()})
    bad = [o for o in out if o != ALL_ORGS and not ORG_CODE.fullmatch(o)]
    if bad:
        raise LedgerbridgeError(
            f"org codes {bad}: letters, digits, '_', '.', '-' only (or '*' for every org)"
        )
    return out


def _check_roles(roles: Iterable[str]) -> list[str]:
    from ledgerbridge.roles import policy

    out = sorted({r.strip() for r in roles if r and r.strip()})
    if not out:
        raise LedgerbridgeError("a user needs at least one role")
    pol = policy()
    for r in out:
        pol.role(r)  # raises for an unknown role
    return out


def check_password_strength(password: str, username: str = "") -> None:
    """At least ``MIN_PASSWORD`` characters and not the user name."""
    if len(password or "") < MIN_PASSWORD:
        raise LedgerbridgeError(f"a password needs at least {MIN_PASSWORD} characters")
    if username and username.lower() in password.lower():
        raise LedgerbridgeError("a password may not contain the user name")


def one_time_password() -> str:
    """A random password to hand over once (the user must change it)."""
    return secrets.token_urlsafe(12)


def load_user(con: sa.Connection, username: str) -> User | None:
    row = con.execute(sa.select(users).where(users.c.username == username)).mappings().first()
    if row is None:
        return None
    roles = con.execute(
        sa.select(user_roles.c.role).where(user_roles.c.username == username).order_by(user_roles.c.role)
    ).scalars()
    orgs = con.execute(
        sa.select(user_org_grants.c.org_code)
        .where(user_org_grants.c.username == username)
        .order_by(user_org_grants.c.org_code)
    ).scalars()
    return User(
        username=row["username"],
        display_name=row["display_name"],
        email=row["email"],
        roles=tuple(roles),
        orgs=tuple(orgs),
        must_change_password=bool(row["must_change_password"]),
        is_disabled=bool(row["is_disabled"]),
        failed_logins=int(row["failed_logins"]),
        locked_until=row["locked_until"],
        last_login_at=row["last_login_at"],
        has_password=row["password_hash"] is not None,
    )


def get_user(username: str, eng: sa.Engine | None = None) -> User | None:
    """The user, or None."""
    with (eng or engine()).connect() as con:
        return load_user(con, username.strip().lower())


def find_by_email(email: str, eng: sa.Engine | None = None) -> User | None:
    """The user whose e-mail is ``email`` (case-insensitive), for single sign-on."""
    with (eng or engine()).connect() as con:
        name = con.execute(
            sa.select(users.c.username).where(sa.func.lower(users.c.email) == (email or "").strip().lower())
        ).scalar()
        return load_user(con, name) if name else None


def list_users(eng: sa.Engine | None = None) -> list[User]:
    """Every user, by name."""
    with (eng or engine()).connect() as con:
        names = con.execute(sa.select(users.c.username).order_by(users.c.username)).scalars().all()
        return [u for n in names if (u := load_user(con, n)) is not None]


def _require(con: sa.Connection, username: str) -> User:
    user = load_user(con, username)
    if user is None:
        raise LedgerbridgeError(f"no user {username!r} (see `ledgerbridge users list`)")
    return user


def add_user(
    username: str,
    *,
    roles: Iterable[str],
    orgs: Iterable[str],
    display_name: str | None = None,
    email: str | None = None,
    password: str | None = None,
    actor: str,
    client: str = "",
) -> str | None:
    """Create a user; returns the one-time password when none was given.

    A given password is taken as the user's own (no change required).
    """
    name = normalize_username(username)
    role_list, org_list = _check_roles(roles), _check_orgs(orgs)
    otp = None
    if password is None:
        otp = password = one_time_password()
    else:
        check_password_strength(password, name)
    now = utcnow()
    with engine().begin() as con:
        if load_user(con, name) is not None:
            raise LedgerbridgeError(f"user {name!r} exists (use `ledgerbridge users passwd` to reset it)")
        con.execute(
            users.insert().values(
                username=name,
                display_name=display_name or name,
                email=(email or "").strip().lower() or None,
                password_hash=HASHER.hash(password),
                must_change_password=otp is not None,
                is_disabled=False,
                failed_logins=0,
                locked_until=None,
                last_login_at=None,
                created_at=now,
                updated_at=now,
            )
        )
        con.execute(user_roles.insert(), [{"username": name, "role": r} for r in role_list])
        if org_list:
            con.execute(user_org_grants.insert(), [{"username": name, "org_code": o} for o in org_list])
        audit.append(
            "user_added",
            actor=actor,
            target=name,
            orgs=org_list,
            client=client,
            detail={"roles": role_list, "orgs": org_list, "email": email or None},
            con=con,
        )
    return otp


def reset_password(username: str, *, actor: str, client: str = "") -> str:
    """A new one-time password (must be changed at the next login); also unlocks the account."""
    name = username.strip().lower()
    otp = one_time_password()
    with engine().begin() as con:
        _require(con, name)
        _store_password(con, name, otp, must_change=True)
        _end_sessions(con, name, "password_reset")
        audit.append("password_reset", actor=actor, target=name, client=client, con=con)
    return otp


def change_password(username: str, old: str, new: str, *, client: str = "") -> None:
    """The user's own change: the old password must verify; the new one must differ."""
    name = username.strip().lower()
    with engine().begin() as con:
        stored = con.execute(sa.select(users.c.password_hash).where(users.c.username == name)).scalar()
        if stored is None or not verify_password(stored, old):
            audit.append("password_change_failed", actor=name, target=name, client=client, con=con)
            raise LedgerbridgeError("the current password is not correct")
        check_password_strength(new, name)
        if new == old:
            raise LedgerbridgeError("the new password must differ from the current one")
        _store_password(con, name, new, must_change=False)
        audit.append("password_changed", actor=name, target=name, client=client, con=con)


def _store_password(con: sa.Connection, name: str, password: str, *, must_change: bool) -> None:
    con.execute(
        users.update()
        .where(users.c.username == name)
        .values(
            password_hash=HASHER.hash(password),
            must_change_password=must_change,
            failed_logins=0,
            locked_until=None,
            updated_at=utcnow(),
        )
    )


def set_disabled(username: str, disabled: bool, *, actor: str, client: str = "") -> None:
    """Disable (ending every session) or enable a user."""
    name = username.strip().lower()
    with engine().begin() as con:
        _require(con, name)
        con.execute(
            users.update().where(users.c.username == name).values(is_disabled=disabled, updated_at=utcnow())
        )
        if disabled:
            _end_sessions(con, name, "disabled")
        audit.append(
            "user_disabled" if disabled else "user_enabled", actor=actor, target=name, client=client, con=con
        )


def set_access(
    username: str,
    *,
    roles: Iterable[str] | None = None,
    orgs: Iterable[str] | None = None,
    actor: str,
    client: str = "",
) -> None:
    """Replace a user's roles and/or org grants (``None`` leaves them as they are)."""
    name = username.strip().lower()
    with engine().begin() as con:
        before = _require(con, name)
        detail: dict[str, object] = {}
        if roles is not None:
            role_list = _check_roles(roles)
            con.execute(user_roles.delete().where(user_roles.c.username == name))
            con.execute(user_roles.insert(), [{"username": name, "role": r} for r in role_list])
            detail["roles"] = {"from": list(before.roles), "to": role_list}
        if orgs is not None:
            org_list = _check_orgs(orgs)
            con.execute(user_org_grants.delete().where(user_org_grants.c.username == name))
            if org_list:
                con.execute(user_org_grants.insert(), [{"username": name, "org_code": o} for o in org_list])
            detail["orgs"] = {"from": list(before.orgs), "to": org_list}
        con.execute(users.update().where(users.c.username == name).values(updated_at=utcnow()))
        audit.append("access_changed", actor=actor, target=name, client=client, detail=detail, con=con)


def verify_password(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _end_sessions(con: sa.Connection, username: str, reason: str) -> None:
    con.execute(
        user_sessions.update()
        .where(user_sessions.c.username == username, user_sessions.c.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
