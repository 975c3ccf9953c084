"""`ledgerbridge users …` and `ledgerbridge audit …`: one-line errors, one-time passwords,
the demo users, and an audit check that fails on a tampered log."""

from __future__ import annotations

import re
import sqlite3

from typer.testing import CliRunner

from ledgerbridge.cli import app
from ledgerbridge.ops import audit, login, users

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args))


def test_add_list_passwd_disable(ops_db: str):
    res = cli(
        "users", "add", "Carla", "--role", "finance", "--org", "ORG01", "--org", "ORG02", "--name", "Carla C"
    )
    assert res.exit_code == 0, res.output
    otp = re.search(r"one-time password: (\S+)", res.output).group(1)
    assert login.authenticate("carla", otp, policy=login.LoginPolicy(failure_delay_s=0)).ok
    listing = cli("users", "list").output
    assert "carla" in listing and "ORG01, ORG02" in listing and "finance" in listing
    new = re.search(r"one-time password for carla: (\S+)", cli("users", "passwd", "carla").output).group(1)
    assert new != otp and users.get_user("carla").must_change_password
    assert cli("users", "disable", "carla").exit_code == 0
    assert users.get_user("carla").is_disabled
    assert cli("users", "set", "carla", "--all-orgs", "--role", "auditor").exit_code == 0
    assert users.get_user("carla").orgs == ("*",) and users.get_user("carla").roles == ("auditor",)
    actors = set(
        audit.read(actions=["user_added", "password_reset", "user_disabled", "access_changed"])["actor"]
    )
    assert all(a.startswith("cli") for a in actors)


def test_errors_are_one_line(ops_db: str):
    res = cli("users", "add", "zed", "--role", "wizard")
    assert res.exit_code == 2 and "unknown role 'wizard'" in res.output and "Traceback" not in res.output
    assert cli("users", "passwd", "nobody").exit_code == 2
    res = cli("users", "add", "zed", "--role", "analyst")
    assert res.exit_code == 0 and "no org grant" in res.output


def test_demo_users(ops_db: str):
    res = cli("users", "demo")
    assert res.exit_code == 0, res.output
    made = {u.username: u for u in users.list_users()}
    assert {"management", "finance", "analyst", "auditor", "admin"} <= set(made)
    assert made["analyst.org01"].orgs == ("ORG01",) and made["finance.org02"].orgs == ("ORG02",)
    assert all(u.must_change_password for u in made.values())
    # a second run hands out fresh one-time passwords, creating nobody twice
    again = cli("users", "demo")
    assert again.exit_code == 0 and len(users.list_users()) == len(made)


def test_audit_verify_fails_on_a_tampered_log(ops_db: str):
    cli("users", "add", "dora", "--role", "analyst", "--all-orgs")
    cli("users", "passwd", "dora")
    ok = cli("audit", "verify")
    assert ok.exit_code == 0 and "intact: 2 entries" in ok.output
    con = sqlite3.connect(ops_db.removeprefix("sqlite:///"))
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 1")
    con.commit()
    bad = cli("audit", "verify")
    assert bad.exit_code == 1 and "broken at entry 1" in bad.output
    assert "dora" in cli("audit", "tail").output
