"""``ledgerbridge report …`` and ``ledgerbridge scheduler``: output, and one-line errors (exit code 2)."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from typer.testing import CliRunner

from ledgerbridge.cli import app
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.reports import context, runs
from ledgerbridge.reports.scheduler import serve

runner = CliRunner()
CONFIG = """
[[recipients]]
id = "sh"
orgs = ["ORG01"]
[[reports]]
id = "monthly"
title = "月度快报"
formats = ["csv"]
schedule = "0 8 1 * *"
recipients = ["sh", "ghost"]
[[reports.sections]]
id = "kpi"
sql = "select org_code, revenue from finance.kpi_monthly where period = $period order by org_code"
"""


@pytest.fixture
def env(tmp_path, monkeypatch, built_warehouse):
    (tmp_path / "reports.toml").write_text(CONFIG, encoding="utf-8")
    values = {
        "LEDGERBRIDGE_REPORTS_CONFIG": str(tmp_path / "reports.toml"),
        "LEDGERBRIDGE_OPS_URL": f"sqlite:///{tmp_path / 'ops.sqlite'}",
        "LEDGERBRIDGE_REPORTS_DIR": str(tmp_path / "archive"),
        "LEDGERBRIDGE_WAREHOUSE": str(built_warehouse.warehouse),
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return tmp_path


def test_list_shows_schedules_and_configuration_problems(env):
    result = runner.invoke(app, ["report", "list"])
    assert result.exit_code == 0, result.output
    assert "monthly" in result.output and "0 8 1 * *" in result.output
    assert "ghost" in result.output and "no such user" in result.output


def test_errors_are_one_line(env):
    for args, text in (
        (["report", "run", "nosuch"], "no report 'nosuch'"),
        (["report", "run", "monthly", "--period", "2025-13"], "period '2025-13'"),
        (["report", "run-due", "--now", "2025-12-01T08:00"], "time zone offset"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert text in result.output and "Traceback" not in result.output


def test_run_renders_and_archives(env):
    (env / "reports.toml").write_text(CONFIG.replace(', "ghost"', ""), encoding="utf-8")
    result = runner.invoke(app, ["report", "run", "monthly", "--period", "2025-11"])
    assert result.exit_code == 0, result.output
    assert "monthly 2025-11 v001" in result.output and "1 file(s) archived" in result.output
    ctx = context.load()
    (run,) = runs.history(ctx.engine).itertuples()
    assert (run.state, run.trigger, run.deliver) == ("success", "manual", False)
    result = runner.invoke(app, ["scheduler", "--once"])
    assert result.exit_code == 0, result.output


def test_a_failed_run_is_an_error_line(env):
    (env / "reports.toml").write_text(
        CONFIG.replace(', "ghost"', "").replace("finance.kpi_monthly", "nope.x"), encoding="utf-8"
    )
    result = runner.invoke(app, ["report", "run", "monthly", "--period", "2025-11"])
    assert result.exit_code == 2 and "report monthly failed" in result.output and "nope" in result.output


def test_the_scheduler_loop_survives_a_bad_tick_and_stops_on_request(env):
    ctx = context.load()
    ctx = dataclasses.replace(ctx, settings=dataclasses.replace(ctx.settings, tick_seconds=0.05))
    stop, ticks, errors = threading.Event(), [], []
    loads = iter([ctx, LedgerbridgeError("reports.toml: broken"), ctx])

    def load():
        item = next(loads)
        if isinstance(item, Exception):
            raise item
        return item

    def on_tick(report):
        ticks.append(report)
        if len(ticks) == 2:
            stop.set()

    thread = threading.Thread(
        target=serve, args=(load,), kwargs={"on_tick": on_tick, "on_error": errors.append, "stop": stop}
    )
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert [str(e) for e in errors] == ["reports.toml: broken"] and len(ticks) == 2
