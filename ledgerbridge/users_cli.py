"""``ledgerbridge users …`` and ``ledgerbridge audit …``: thin commands over
:mod:`ledgerbridge.ops.users` and :mod:`ledgerbridge.ops.audit`.

Changes made here are written to the audit log as ``cli:<os user>``.
"""

from __future__ import annotations

import getpass
import tomllib
from pathlib import Path
from typing import Annotated

import typer

from ledgerbridge import console as out
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import PROJECT_ROOT

users_app = typer.Typer(help="Users of the app: roles, org grants, passwords.", no_args_is_help=True)
audit_app = typer.Typer(
    help="The audit log: check its hash chain, show recent entries.", no_args_is_help=True
)

DEMO_USERS = PROJECT_ROOT / "app" / "demo_users.toml"
CLIENT = "cli"

RoleOpt = Annotated[list[str] | None, typer.Option("--role", "-r", help="A role (repeatable).")]
OrgOpt = Annotated[list[str] | None, typer.Option("--org", "-o", help="An org code granted (repeatable).")]
AllOrgsOpt = Annotated[bool, typer.Option("--all-orgs", help="Grant every org, present and future.")]


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _orgs(orgs: list[str] | None, all_orgs: bool) -> list[str] | None:
    if all_orgs:
        return ["*"]
    return list(orgs) if orgs is not None else None


def _fmt_orgs(orgs: tuple[str, ...] | list[str]) -> str:
    return "all" if "*" in orgs else (", ".join(orgs) or "none")


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: RoleOpt = None,
    org: OrgOpt = None,
    all_orgs: AllOrgsOpt = False,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail (maps a single sign-on login).")] = None,
) -> None:
    """Create a user and print a one-time password (changed at the first login)."""
    from ledgerbridge.ops import users

    orgs = _orgs(org, all_orgs) or []
    otp = users.add_user(
        username, roles=role or [], orgs=orgs, display_name=name, email=email, actor=_actor(), client=CLIENT
    )
    if not orgs:
        out.print_warning(
            f"{username} has no org grant and sees no data until given one (--org / --all-orgs)"
        )
    out.print_success(f"user {username.lower()} created; one-time password: {otp}")


@users_app.command("passwd")
def passwd(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Reset a password to a new one-time password (also unlocks the account)."""
    from ledgerbridge.ops import users

    otp = users.reset_password(username, actor=_actor(), client=CLIENT)
    out.print_success(f"one-time password for {username.lower()}: {otp}")


@users_app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Disable a user: no login, and every open session ends now."""
    from ledgerbridge.ops import users

    users.set_disabled(username, True, actor=_actor(), client=CLIENT)
    out.print_success(f"user {username.lower()} disabled")


@users_app.command("enable")
def enable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Enable a disabled user again."""
    from ledgerbridge.ops import users

    users.set_disabled(username, False, actor=_actor(), client=CLIENT)
    out.print_success(f"user {username.lower()} enabled")


@users_app.command("set")
def set_access(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: RoleOpt = None,
    org: OrgOpt = None,
    all_orgs: AllOrgsOpt = False,
    no_orgs: Annotated[bool, typer.Option("--no-orgs", help="Withdraw every org grant.")] = False,
) -> None:
    """Replace a user's roles and/or org grants."""
    from ledgerbridge.ops import users

    orgs = [] if no_orgs else _orgs(org, all_orgs)
    if role is None and orgs is None:
        raise LedgerbridgeError("nothing to change: give --role, --org, --all-orgs or --no-orgs")
    users.set_access(username, roles=role, orgs=orgs, actor=_actor(), client=CLIENT)
    u = users.get_user(username)
    out.print_success(f"{u.username}: roles {', '.join(u.roles)}; orgs {_fmt_orgs(u.orgs)}")


@users_app.command("list")
def list_users() -> None:
    """Every user with roles, org grants and state."""
    from ledgerbridge.ops import users

    rows = [
        [
            u.username,
            u.display_name,
            ", ".join(u.roles),
            _fmt_orgs(u.orgs),
            "disabled" if u.is_disabled else ("locked" if u.locked_until else "active"),
            "yes" if u.must_change_password else "",
            f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "-",
        ]
        for u in users.list_users()
    ]
    out.print_table("Users", ["user", "name", "roles", "orgs", "state", "must change", "last login"], rows)


@users_app.command("demo")
def demo(
    file: Annotated[Path, typer.Option(help="The demo users to create.")] = DEMO_USERS,
) -> None:
    """Create the demo users (one per role, two limited to one org) and print one-time passwords.

    A demo user who has not yet set a password gets a fresh one-time password; one who has is left alone.
    """
    from ledgerbridge.ops import users

    try:
        spec = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LedgerbridgeError(f"demo users {file}: {exc}") from None
    rows = []
    for u in spec.get("users", []):
        name = u["username"]
        existing = users.get_user(name)
        if existing is None:
            otp = users.add_user(
                name,
                roles=u["roles"],
                orgs=u.get("orgs", []),
                display_name=u.get("display_name"),
                actor=_actor(),
                client=CLIENT,
            )
        elif existing.must_change_password:
            otp = users.reset_password(name, actor=_actor(), client=CLIENT)
        else:
            otp = "(own password set; `ledgerbridge users passwd` resets it)"
        rows.append([name, ", ".join(u["roles"]), _fmt_orgs(u.get("orgs", [])), otp])
    out.print_table(
        "Demo users (one-time passwords: change at the first login)",
        ["user", "roles", "orgs", "one-time password"],
        rows,
    )


@audit_app.command("verify")
def verify() -> None:
    """Walk the hash chain; exit code 1 and the first broken entry when it was tampered with."""
    from ledgerbridge.ops import audit

    v = audit.verify()
    if not v.ok:
        out.print_error(
            f"audit log broken at entry {v.broken_seq}: {v.reason} ({v.checked} entries before it)"
        )
        raise typer.Exit(1)
    out.print_success(f"audit log intact: {v.checked} entries, head {v.head_hash[:16]}…")


@audit_app.command("tail")
def tail(n: Annotated[int, typer.Option("-n", help="How many entries.")] = 20) -> None:
    """The newest entries."""
    import pandas as pd

    from ledgerbridge.ops import audit

    df = audit.read(limit=n)
    cols = ["seq", "ts", "actor", "action", "target", "orgs", "row_count", "client"]
    rows = [["" if pd.isna(v) else v for v in r] for r in df[cols].astype(object).values.tolist()]
    out.print_table("Audit log", cols, rows)
