"""The command line: help, the error policy, and `simulate` wiring.

Most tests replace the simulator with a fake so they check the CLI alone;
one runs the real simulator at a tiny scale when it is available."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledgerbridge import paths
from ledgerbridge.cli import app
from ledgerbridge.errors import SourceError

runner = CliRunner()


@dataclass
class FakeSummary:
    out: Path
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.5
    peak_memory_mb: float = 42.0


@pytest.fixture
def fake_simulator(monkeypatch: pytest.MonkeyPatch) -> list:
    """Install a fake ``ledgerbridge.simulator``; returns the configs it was called with."""
    calls: list = []

    from ledgerbridge.simulator import SimulationConfig  # the real options, a fake run

    def simulate(config, progress=None):
        calls.append(config)
        config.out.mkdir(parents=True, exist_ok=True)
        (config.out / "erp.sqlite").write_bytes(b"")
        (config.out / "gl").mkdir(exist_ok=True)
        tables = {"suppliers": 120, "purchase_orders": 3400, "gl_voucher_lines": 25000}
        for name, rows in tables.items():
            if progress:
                progress(name, rows)
        return FakeSummary(out=config.out, tables=tables)

    module = types.ModuleType("ledgerbridge.simulator")
    module.SimulationConfig = SimulationConfig
    module.simulate = simulate
    monkeypatch.setitem(sys.modules, "ledgerbridge.simulator", module)
    return calls


def test_help_lists_simulate():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "simulate" in result.stdout
    assert "--debug" in result.stdout


def test_no_arguments_shows_help():
    result = runner.invoke(app, [])
    assert "simulate" in result.output


def test_bad_date_is_one_line_error_without_traceback():
    result = runner.invoke(app, ["simulate", "--as-of", "not-a-date"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: --as-of: 'not-a-date' is not a date (expected YYYY-MM-DD)"]
    assert "Traceback" not in result.output


def test_debug_shows_traceback():
    result = runner.invoke(app, ["--debug", "simulate", "--as-of", "not-a-date"])
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert "LedgerbridgeError" in result.stderr


def test_debug_from_environment():
    result = runner.invoke(app, ["simulate", "--as-of", "2025-13-01"], env={"LEDGERBRIDGE_DEBUG": "1"})
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


def test_non_positive_scale_is_rejected():
    result = runner.invoke(app, ["simulate", "--scale", "0"])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: --scale")


@pytest.mark.parametrize(
    "exc",
    [
        SourceError("erp", "connection refused"),
        ConnectionRefusedError(111, "Connection refused"),
        FileNotFoundError(2, "No such file or directory", "/nope/gl"),
    ],
)
def test_user_errors_from_the_library_are_one_line(fake_simulator, monkeypatch, tmp_path, exc):
    def boom(config, progress=None):
        raise exc

    monkeypatch.setattr(sys.modules["ledgerbridge.simulator"], "simulate", boom)
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path / "src")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in result.output


def test_unexpected_errors_are_not_swallowed(fake_simulator, monkeypatch, tmp_path):
    def bug(config, progress=None):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(sys.modules["ledgerbridge.simulator"], "simulate", bug)
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path)])
    assert result.exit_code != 0 and result.exit_code != 2
    assert isinstance(result.exception, ZeroDivisionError)


def test_simulate_passes_options_and_prints_steps(fake_simulator, tmp_path):
    out = tmp_path / "sources"
    result = runner.invoke(
        app,
        [
            "simulate",
            "--seed",
            "7",
            "--scale",
            "0.5",
            "--out",
            str(out),
            "--as-of",
            "2025-06-30",
            "--erp-url",
            "postgresql://user:secret@db.example/erp",
        ],
    )
    assert result.exit_code == 0, result.output
    (config,) = fake_simulator
    assert (config.seed, config.scale, config.out) == (7, 0.5, out)
    assert str(config.as_of) == "2025-06-30"
    assert config.erp_url == "postgresql://user:secret@db.example/erp"
    assert (config.style, config.clean) == (None, False)
    text = result.stdout
    for step in ("suppliers", "purchase_orders", "gl_voucher_lines"):
        assert step in text
    assert "25,000" in text and "28,520" in text  # a step line and the total
    assert str(out) in text
    assert "erp.sqlite" in text
    assert "secret" not in text  # password is masked


def test_simulate_defaults_to_data_sources(fake_simulator, tmp_data_dir):
    result = runner.invoke(app, ["simulate"])
    assert result.exit_code == 0, result.output
    (config,) = fake_simulator
    assert config.out == paths.sources_dir() == tmp_data_dir / "sources"
    assert (config.seed, config.scale, config.as_of, config.erp_url) == (42, 1.0, None, None)


def test_simulate_serve_calls_server(fake_simulator, monkeypatch, tmp_path):
    served = []
    server = types.ModuleType("ledgerbridge.expense_api.server")
    server.serve_forever = lambda source_dir, host, port, token: served.append(
        (source_dir, host, port, token)
    )
    monkeypatch.setitem(sys.modules, "ledgerbridge.expense_api.server", server)
    if "ledgerbridge.expense_api" not in sys.modules:
        monkeypatch.setitem(
            sys.modules, "ledgerbridge.expense_api", types.ModuleType("ledgerbridge.expense_api")
        )
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path), "--serve", "--port", "9999"])
    assert result.exit_code == 0, result.output
    assert served == [(tmp_path, "127.0.0.1", 9999, "demo-token")]


def test_simulate_with_real_simulator(tmp_path):
    try:
        from ledgerbridge.simulator import SimulationConfig, simulate  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"simulator not available: {exc}")
    out = tmp_path / "sources"
    result = runner.invoke(app, ["simulate", "--scale", "0.05", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_dir() and any(out.iterdir())


def test_simulate_passes_house_style_and_clean(fake_simulator, tmp_path):
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path), "--style", "qinghe", "--clean"])
    assert result.exit_code == 0, result.output
    (config,) = fake_simulator
    assert (config.style, config.clean) == ("qinghe", True)
