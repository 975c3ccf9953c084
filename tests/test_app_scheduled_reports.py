"""The scheduled-reports page (AppTest on the demo warehouse): definitions with the next run, a finance
user runs a report for a chosen period, the history shows its state, each file has a download button
whose bytes are the archived file's; the monitor lists the alerts."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from fixtures_access import PASSWORD, login_session
from streamlit.testing.v1 import AppTest

from app.lib import access, report_center
from ledgerbridge.ops import audit, users
from ledgerbridge.reports import context, runs

APP = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")
CONFIG = """
[settings]
timezone = "Asia/Shanghai"
[[recipients]]
id = "cfo"
orgs = ["*"]
[[recipients]]
id = "sh"
orgs = ["ORG01"]
[alerts]
recipients = ["cfo"]
[[alerts.rules]]
id = "dbt"
kind = "dbt_test_warn"
[[reports]]
id = "monthly"
title = { zh = "月度快报", en = "Monthly flash" }
formats = ["xlsx", "csv"]
schedule = "0 8 1 * *"
recipients = ["cfo", "sh"]
[[reports.sections]]
id = "kpi"
sql = "select org_code, period, revenue from finance.kpi_monthly where period = $period order by org_code"
[[reports]]
id = "broken"
title = "坏报表"
recipients = ["sh"]
[[reports.sections]]
id = "x"
sql = "select * from finance.no_such_mart"
"""


@pytest.fixture
def env(tmp_path, monkeypatch, request):
    (tmp_path / "reports.toml").write_text(CONFIG, encoding="utf-8")
    given = os.environ.get("LEDGERBRIDGE_APP_TEST_WAREHOUSE")  # as in test_app_pages: reuse a built demo
    demo = given if given and Path(given).exists() else request.getfixturevalue("demo_warehouse")
    monkeypatch.setenv("LEDGERBRIDGE_WAREHOUSE", str(demo))
    monkeypatch.setenv("LEDGERBRIDGE_REPORTS_CONFIG", str(tmp_path / "reports.toml"))
    monkeypatch.setenv("LEDGERBRIDGE_OPS_URL", f"sqlite:///{tmp_path / 'ops.sqlite'}")
    monkeypatch.setenv("LEDGERBRIDGE_REPORTS_DIR", str(tmp_path / "archive"))
    users.add_user("fin", roles=["finance"], orgs=["*"], password=PASSWORD, actor="test")
    users.add_user("fin.org01", roles=["finance"], orgs=["ORG01"], password=PASSWORD, actor="test")
    users.add_user("adm", roles=["admin"], orgs=["*"], password=PASSWORD, actor="test")
    return tmp_path


def frame(at: AppTest, column: str):
    """The first table on the page that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _page(user: str = "fin", page: str = "scheduled_reports") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    login_session(at, user)
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def test_definitions_show_the_next_run_and_a_finance_user_runs_a_period(env):
    at = _page()
    defs = frame(at, "next_run")
    assert defs["report_id"].tolist() == ["monthly", "broken"]
    now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
    first = (now.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    assert defs["next_run"].tolist() == [f"{first:%Y-%m}-01 08:00", ""]
    assert any("还没有运行记录" in i.value for i in at.info)

    at.selectbox(key="sr_period").set_value("2025-11")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("2025-11" in s.value and "第 1 版" in s.value for s in at.success)
    ctx = context.load()
    (run,) = runs.history(ctx.engine).itertuples()
    assert (run.state, run.period, run.trigger, run.version) == ("success", "2025-11", "manual", 1)
    hist = frame(at, "attempt")
    assert hist["state"].tolist() == ["✅ 成功"] and hist["period"].tolist() == ["2025-11"]
    files = runs.files(ctx.engine, run.run_id)
    assert sorted(files["scope_key"]) == ["ORG01", "ORG01", "all", "all"]
    buttons = [b for b in at.get("download_button")]
    assert len(buttons) == len(files) == 4
    for table in at.dataframe:  # Chinese headers, the column name as tooltip (as on every page)
        config = json.loads(table.proto.columns or "{}")
        for col in map(str, table.value.columns):
            assert re.search(r"[\u4e00-\u9fff]", config[col]["label"]) and config[col]["help"] == col
    fin = access.principal("fin", ["finance"], ["*"])
    for f in files.itertuples():  # the bytes a button serves are the archived, checked file
        data = report_center.archived_file_bytes(ctx, f.file_id, fin)
        assert hashlib.sha256(data).hexdigest() == f.sha256
    downloads = audit.read(actions=["download"])
    assert sorted(downloads["checksum"]) == sorted(files["sha256"]), "every download is audit-logged"
    # a user granted one org is offered that org's files only, and refused the others
    limited = _page("fin.org01")
    limited.selectbox(key="sr_choice").set_value(run.run_id).run()
    assert len(limited.get("download_button")) == 2
    one = access.principal("fin.org01", ["finance"], ["ORG01"])
    for f in files.itertuples():
        if f.scope_key == "all":
            with pytest.raises(access.AccessDenied):
                report_center.archived_file_bytes(ctx, f.file_id, one)
        else:
            report_center.archived_file_bytes(ctx, f.file_id, one)


def test_a_failing_run_shows_its_error_and_leaves_no_files(env):
    at = _page()
    at.selectbox(key="sr_report").set_value("broken")
    at.selectbox(key="sr_period").set_value("2025-11")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("生成失败" in e.value and "no_such_mart" in e.value for e in at.error)
    assert frame(at, "attempt")["state"].tolist() == ["❌ 失败"]
    ctx = context.load()
    assert runs.files(ctx.engine).empty and at.get("download_button") == []


def test_a_broken_configuration_is_shown_not_raised(env):
    (env / "reports.toml").write_text("[[reports]]\nid = 'x'\nbogus = 1\n", encoding="utf-8")
    at = _page()
    assert any("读取报表配置失败" in e.value and "bogus" in e.value for e in at.error)


def test_the_monitor_lists_alerts(env):
    from ledgerbridge.alerts import engine

    ctx = context.load()
    notices, errors = engine.check(ctx, dt.datetime.now(dt.UTC))
    assert errors == [] and notices  # the demo warehouse has two warning dbt tests
    at = _page("adm", "monitor")
    states = frame(at, "rule_id")
    assert len(states) == len(notices) and set(states["rule_id"]) == {"dbt"}
