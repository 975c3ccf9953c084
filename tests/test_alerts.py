"""Alert rules on a small hand-made warehouse, de-duplication with a fake clock, scoping of notices,
and run failures told only after the last retry."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from ledgerbridge.alerts import engine, rules, state
from ledgerbridge.delivery import outbox
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.reports import context, runs

T0 = dt.datetime(2025, 12, 1, 12, 0, tzinfo=dt.UTC)


def _naive(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=None)


@pytest.fixture
def warehouse(tmp_path):
    """Every table the rules read, with rows whose outcome is worked out by hand in the tests."""
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema monitoring; create schema reconciliation; create schema ops")
    con.execute(
        """create table monitoring.mon_load_history (source varchar, ended_at timestamp, status varchar)"""
    )
    con.executemany(
        "insert into monitoring.mon_load_history values (?, ?, ?)",
        [
            ("erp", _naive(T0 - dt.timedelta(hours=30)), "success"),  # 30 h old: stale over 26 h
            ("erp", _naive(T0 - dt.timedelta(hours=1)), "failed"),  # a failure does not refresh it
            ("finance", _naive(T0 - dt.timedelta(hours=2)), "success"),
            ("expense", _naive(T0 - dt.timedelta(hours=1)), "failed"),  # never loaded successfully
        ],
    )
    con.execute("create table monitoring.mon_quarantine (source_system varchar, table_name varchar)")
    con.executemany(
        "insert into monitoring.mon_quarantine values (?, ?)",
        [("erp", "goods_receipts")] * 3 + [("expense", "claims")],
    )
    con.execute("""create table reconciliation.recon_items (org_code varchar, item_id varchar, period varchar,
        control_account varchar, recon_status varchar, business_document_no varchar, gl_voucher_no varchar,
        difference decimal(18,2), business_amount_base decimal(18,2), gl_amount_base decimal(18,2),
        is_exception boolean)""")
    con.executemany(
        "insert into reconciliation.recon_items values (?,?,?,?,?,?,?,?,?,?,?)",
        [
            ("ORG01", "I1", "2025-11", "1122", "amount_mismatch", "SINV1", "V1", 150000, 1, 1, True),
            ("ORG02", "I2", "2025-11", "2202", "missing_in_gl", "PINV2", None, None, -200000, None, True),
            (
                "ORG01",
                "I3",
                "2025-11",
                "1122",
                "timing",
                "SINV3",
                "V3",
                50000,
                1,
                1,
                True,
            ),  # under the amount
            (
                "ORG01",
                "I4",
                "2025-11",
                "1122",
                "matched",
                "SINV4",
                "V4",
                900000,
                1,
                1,
                False,
            ),  # not an exception
        ],
    )
    con.execute("""create table reconciliation.recon_account_bridge (org_code varchar,
        control_account varchar, period varchar, unexplained decimal(18,2))""")
    con.execute("""insert into reconciliation.recon_account_bridge values ('ORG01', '1122', '2025-11', 0),
        ('ORG01', '2202', '2025-11', 0.01), ('ORG02', '1122', '2025-11', 0)""")
    con.execute("""create table ops.dbt_results (run_id varchar, resource_type varchar, node_name varchar,
        status varchar, failures integer, message varchar)""")
    con.execute("""insert into ops.dbt_results values
        ('20251201-0200', 'test', 'warn_unmapped', 'warn', 2, 'Got 2 results'),
        ('20251201-0200', 'test', 'assert_balanced', 'pass', 0, null),
        ('20251130-0200', 'test', 'warn_duplicates', 'warn', 1, 'old run')""")
    con.close()
    return path


CONFIG = {
    "settings": {"app_url": "http://app"},
    "recipients": [
        {"id": "a", "email": "a@t", "orgs": ["ORG01"]},
        {"id": "b", "email": "b@t", "orgs": ["ORG02"]},
        {"id": "it", "email": "it@t", "orgs": ["*"]},
    ],
    "alerts": {
        "repeat_hours": 4,
        "recipients": ["a", "b", "it"],
        "channels": ["email"],
        "rules": [
            {"id": "stale", "kind": "source_stale", "hours": 26},
            {"id": "quarantine", "kind": "quarantine_above", "threshold": 2},
            {"id": "big", "kind": "exceptions_above", "amount": 100000},
            {"id": "bridge", "kind": "bridge_unexplained"},
            {"id": "dbt", "kind": "dbt_test_warn"},
            {"id": "failed", "kind": "run_failed", "repeat_hours": 0, "owner": True},
        ],
    },
    "reports": [{"id": "pack", "owner": "a", "sections": [{"id": "s", "sql": "select 1"}]}],
}


@pytest.fixture
def ctx(tmp_path, warehouse, monkeypatch):
    monkeypatch.setattr(
        context.report_config, "load", lambda _path=None: {**CONFIG, "delivery": {}, "_path": "t"}
    )
    return context.load(ops_url=f"sqlite:///{tmp_path / 'ops.sqlite'}", warehouse=warehouse)


def _firing(ctx, rule_id: str) -> list[tuple[str, str]]:
    rule = next(r for r in ctx.rules if r.id == rule_id)
    with duckdb.connect(str(ctx.warehouse), read_only=True) as con:
        actx = rules.Context(lambda: con, ctx.engine, T0, {"pack": "a"})
        return [(f.org, f.subject) for f in rules.EVALUATORS[rule.kind](rule, actx)]


def test_each_rule_finds_what_the_rows_say(ctx):
    assert _firing(ctx, "stale") == [("*", "erp"), ("*", "expense")]
    assert _firing(ctx, "quarantine") == [("*", "erp.goods_receipts")]
    assert _firing(ctx, "big") == [("ORG01", "I1"), ("ORG02", "I2")]
    assert _firing(ctx, "bridge") == [("ORG01", "2202 2025-11")]
    assert _firing(ctx, "dbt") == [("*", "warn_unmapped")]  # the latest build's warnings only
    assert _firing(ctx, "failed") == []


def test_a_changed_row_changes_the_finding(ctx, warehouse):
    """The same checks over a tampered warehouse: a fresh erp load, a balanced bridge."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into monitoring.mon_load_history values ('erp', ?, 'success')", [_naive(T0)])
        con.execute("update reconciliation.recon_account_bridge set unexplained = 0")
    assert _firing(ctx, "stale") == [("*", "expense")]
    assert _firing(ctx, "bridge") == []


def test_fire_repeat_resolve_with_a_fake_clock(ctx):
    rule = rules.AlertRule("r", "source_stale", {}, 4, (), ())
    f = [rules.Firing("*", "erp", "erp stale")]
    h = dt.timedelta(hours=1)
    seen = [
        [n.kind for n in state.reconcile(ctx.engine, rule, firings, T0 + k * h)]
        for k, firings in [(0, f), (1, f), (3, f), (4, f), (5, []), (6, []), (7, f)]
    ]
    assert seen == [["fired"], [], [], ["repeated"], ["resolved"], [], ["fired"]]
    row = state.states(ctx.engine).iloc[0]
    assert (row["state"], row["notify_count"]) == ("firing", 1)
    assert state.history(ctx.engine)["kind"].tolist() == ["fired", "resolved", "repeated", "fired"]
    never = rules.AlertRule("n", "source_stale", {}, 0, (), ())
    assert [len(state.reconcile(ctx.engine, never, f, T0 + k * 24 * h)) for k in range(3)] == [1, 0, 0]


def _mails(ctx) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for d in outbox.listing(ctx.engine).itertuples():
        out.setdefault(d.recipient_id, []).append(json.loads(d.payload_json))
    return out


def test_notices_are_batched_and_scoped_to_each_recipients_orgs(ctx):
    notices, errors = engine.check(ctx, T0)
    assert errors == []
    assert {(n.rule_id, n.kind) for n in notices} >= {("big", "fired"), ("stale", "fired")}
    mails = _mails(ctx)
    big = {who: [m["text"] for m in ms if "big" in m["subject"]] for who, ms in mails.items()}
    assert len(big["a"]) == 1 and "SINV1" in big["a"][0] and "PINV2" not in big["a"][0]
    assert len(big["b"]) == 1 and "PINV2" in big["b"][0] and "SINV1" not in big["b"][0]
    assert sorted(big["it"]) == sorted(big["a"] + big["b"])  # one message per org
    stale = [m for m in mails["a"] if "stale" in m["subject"]]  # org-less: everyone on the rule
    assert len(stale) == 1 and "erp" in stale[0]["text"] and "expense" in stale[0]["text"]
    before = len(outbox.listing(ctx.engine))
    engine.check(ctx, T0 + dt.timedelta(minutes=30))
    assert len(outbox.listing(ctx.engine)) == before  # de-duplicated: nothing new to tell


def test_a_rule_that_cannot_look_keeps_its_state(ctx, tmp_path):
    engine.check(ctx, T0)
    ctx.warehouse = tmp_path / "gone.duckdb"
    notices, errors = engine.check(ctx, T0 + dt.timedelta(hours=1))
    assert notices == [] and any(e.startswith("stale:") for e in errors)
    assert set(state.states(ctx.engine)["state"]) == {"firing"}  # nothing declared resolved


def test_run_failures_alert_after_the_last_retry_and_resolve_on_success(ctx):
    eng = ctx.engine

    def attempt(run_id: str, t: dt.datetime, ok: bool) -> str:
        run = runs.claim(eng, run_id, t)
        return "success" if ok and runs.succeed(eng, run, t) else runs.fail(eng, run, t, "boom", 60)

    sched = runs.create(
        eng,
        job_id="pack",
        kind="report",
        trigger="schedule",
        now=T0,
        max_attempts=2,
        scheduled_at=T0,
        period="2025-11",
    )
    assert attempt(sched, T0, ok=False) == "retrying"
    assert _firing(ctx, "failed") == []  # a retry is pending: no alert yet
    assert attempt(sched, T0 + dt.timedelta(minutes=2), ok=False) == "error"
    assert _firing(ctx, "failed") == [("*", "pack 2025-11")]
    manual = runs.create(
        eng, job_id="pack", kind="report", trigger="manual", now=T0, max_attempts=1, period="2025-10"
    )
    attempt(manual, T0 + dt.timedelta(minutes=3), ok=False)
    assert _firing(ctx, "failed") == [("*", "pack 2025-11")]  # a manual failure is its requester's to see
    notices, _ = engine.check(ctx, T0 + dt.timedelta(minutes=4))
    failed = [n for n in notices if n.rule_id == "failed"]
    assert [(n.kind, n.owner) for n in failed] == [("fired", "a")]
    rerun = runs.create(
        eng, job_id="pack", kind="report", trigger="manual", now=T0, max_attempts=1, period="2025-11"
    )
    attempt(rerun, T0 + dt.timedelta(minutes=5), ok=True)
    assert _firing(ctx, "failed") == []
    notices, _ = engine.check(ctx, T0 + dt.timedelta(minutes=6))
    assert [n.kind for n in notices if n.rule_id == "failed"] == ["resolved"]
    owner_mails = [m for m in _mails(ctx)["a"] if "failed" in m["subject"]]
    assert len(owner_mails) == 2  # the failure once, the recovery once


def test_unknown_rule_kinds_are_refused():
    with pytest.raises(LedgerbridgeError, match="kind"):
        rules.parse_rules({"alerts": {"rules": [{"id": "x", "kind": "cpu_high"}]}})
