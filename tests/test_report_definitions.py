"""Report definitions, schedules, periods and recipients: parsed strictly, computed by hand-checked cases."""

from __future__ import annotations

import datetime as dt

import pytest

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.reports import config, definitions, periods, recipients, schedule
from ledgerbridge.reports.settings import parse_settings

CST = dt.timezone(dt.timedelta(hours=8))


def _report(**over) -> dict:
    base = {"id": "r1", "title": {"zh": "测试", "en": "Test"}, "sections": [{"id": "s1", "sql": "select 1"}]}
    return base | over


def test_the_demo_configuration_parses_and_resolves():
    cfg = config.load()
    reports = definitions.parse_reports(cfg)
    assert {"management_pack", "reconciliation_pack", "aging", "voucher_import", "integration_health"} <= set(
        reports
    )
    users = recipients.directory(cfg)
    for r in reports.values():
        assert recipients.resolve(r.recipients, users), r.id
        assert r.schedule and schedule.trigger(r.schedule, "Asia/Shanghai")
    assert parse_settings(cfg).timezone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_report(formats=["docx"]), "formats"),
        (_report(period="last month"), "period"),
        (_report(colour="red"), "unknown key"),
        (_report(sections=[]), "no sections"),
        (_report(sections=[{"id": "s1", "sql": "select 1"}, {"id": "s1", "sql": "select 2"}]), "repeat"),
        (_report(sections=[{"id": "s1"}]), "exactly one of sql or source"),
        (_report(sections=[{"id": "s1", "source": "magic"}]), "source"),
        (
            _report(
                sections=[{"id": "s1", "sql": "select 1", "chart": {"x": "a", "y": ["b"], "kind": "pie"}}]
            ),
            "chart kind",
        ),
        (_report(id="Bad Id"), "lower-case"),
    ],
)
def test_invalid_definitions_are_refused_with_the_key_named(raw, message):
    with pytest.raises(definitions.DefinitionError, match=message):
        definitions.parse_report(raw)


def test_a_report_about_some_orgs():
    assert definitions.parse_report(_report(orgs=["ORG01", "ORG02"])).orgs == frozenset({"ORG01", "ORG02"})
    assert definitions.parse_report(_report()).orgs is None


def test_a_report_defined_twice_is_refused():
    with pytest.raises(definitions.DefinitionError, match="twice"):
        definitions.parse_reports({"reports": [_report(), _report()]})


def test_unknown_settings_are_refused():
    with pytest.raises(LedgerbridgeError, match="unknown key"):
        parse_settings({"settings": {"time_zone": "UTC"}})


def test_fire_times_in_the_company_time_zone():
    after = dt.datetime(2025, 11, 30, 0, 0, tzinfo=CST)
    until = dt.datetime(2025, 12, 31, 23, 59, tzinfo=CST)
    monthly = list(schedule.fire_times("0 8 1 * *", "Asia/Shanghai", after, until))
    assert monthly == [dt.datetime(2025, 12, 1, 0, 0, tzinfo=dt.UTC)]  # 08:00 in Shanghai
    last_day = list(
        schedule.fire_times({"day": "last", "hour": 19, "minute": 50}, "Asia/Shanghai", after, until)
    )
    assert [t.astimezone(CST).date() for t in last_day] == [dt.date(2025, 11, 30), dt.date(2025, 12, 31)]
    workdays = list(
        schedule.fire_times("0 9 * * mon-fri", "Asia/Shanghai", after, after + dt.timedelta(days=7))
    )
    assert [t.astimezone(CST).strftime("%a") for t in workdays] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    # the interval is half-open: a fire time equal to `after` belongs to the previous tick
    at = dt.datetime(2025, 12, 1, 8, 0, tzinfo=CST)
    assert list(schedule.fire_times("0 8 1 * *", "Asia/Shanghai", at, until)) == []
    assert schedule.next_fire_time("0 8 1 * *", "Asia/Shanghai", at) == dt.datetime(
        2026, 1, 1, 0, 0, tzinfo=dt.UTC
    )


def test_a_bad_schedule_is_one_line():
    with pytest.raises(LedgerbridgeError, match="schedule"):
        schedule.trigger("0 8 32 * *", "Asia/Shanghai")


def test_periods_relative_to_the_reference_time():
    # 00:30 on 1 December in Shanghai is still 30 November in UTC: the company's calendar decides
    ref = dt.datetime(2025, 11, 30, 16, 30, tzinfo=dt.UTC)
    assert periods.resolve("previous_month", ref, "Asia/Shanghai") == "2025-11"
    assert periods.resolve("month_to_date", ref, "Asia/Shanghai") == "2025-12"
    assert periods.resolve("previous_month", ref, "UTC") == "2025-10"
    assert periods.resolve("last_closed", ref, "Asia/Shanghai", ["2025-09", "2025-10"]) == "2025-10"
    assert periods.resolve("2024-02", ref, "Asia/Shanghai") == "2024-02"
    with pytest.raises(LedgerbridgeError, match="closed"):
        periods.resolve("last_closed", ref, "Asia/Shanghai", [])
    with pytest.raises(LedgerbridgeError):
        periods.resolve("2024-13", ref, "Asia/Shanghai")


def test_period_parameters():
    p = periods.parameters("2024-02", as_of=dt.date(2024, 2, 10))
    assert p["period_start"] == dt.date(2024, 2, 1) and p["period_end"] == dt.date(2024, 2, 29)
    assert p["as_of"] == dt.date(2024, 2, 10)
    assert (p["prev_period"], p["same_period_last_year"], p["trailing_start"], p["year_start"]) == (
        "2024-01",
        "2023-02",
        "2023-03",
        "2024-01",
    )
    assert periods.parameters("2025-01")["prev_period"] == "2024-12"


def test_recipients_groups_and_scopes():
    cfg = {
        "recipients": [
            {"id": "a", "email": "a@x", "orgs": ["ORG01"]},
            {"id": "b", "email": "b@x", "orgs": ["ORG02", "ORG01"]},
            {"id": "boss", "orgs": ["*"], "chat": {"dingtalk": "138"}},
        ],
        "groups": {"fin": ["a", "b"], "empty": []},
    }
    users = recipients.directory(cfg)
    got = recipients.resolve(["group:fin", "a", "boss"], users)
    assert [r.user_id for r in got] == ["a", "b", "boss"]  # de-duplicated, in order
    assert [r.scope.key for r in got] == ["ORG01", "ORG01+ORG02", "all"]
    assert got[2].scope.allows("GROUP") and not got[0].scope.allows("ORG02")
    assert got[2].scope.limit(frozenset({"ORG02"})).key == "ORG02"  # a report about ORG02 only
    assert got[1].scope.limit(frozenset({"ORG02", "ORG03"})).key == "ORG02"
    assert got[0].scope.limit(frozenset({"ORG02"})).orgs == frozenset()  # nothing for this reader
    assert got[0].scope.limit(None) == got[0].scope
    with pytest.raises(LedgerbridgeError, match="no such user"):
        recipients.resolve(["nobody"], users)
    with pytest.raises(LedgerbridgeError, match="no such group"):
        recipients.resolve(["group:empty"], users)


def test_secrets_merge_over_the_file(tmp_path, monkeypatch):
    (tmp_path / "reports.toml").write_text(
        '[delivery.smtp]\nhost = "mail"\npassword = ""\n', encoding="utf-8"
    )
    (tmp_path / "secrets.toml").write_text('[delivery.smtp]\npassword = "from-secrets"\n', encoding="utf-8")
    assert config.load(tmp_path / "reports.toml")["delivery"]["smtp"] == {
        "host": "mail",
        "password": "from-secrets",
    }
    monkeypatch.setenv("DELIVERY__SMTP__PASSWORD", "from-env")
    assert config.load(tmp_path / "reports.toml")["delivery"]["smtp"]["password"] == "from-env"
