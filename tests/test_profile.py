"""Company profiles: which configuration and which seeds a run uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerbridge import profile
from ledgerbridge.errors import LedgerbridgeError


def _profile(tmp_path: Path, seeds: dict[str, str]) -> Path:
    d = tmp_path / "acme"
    (d / "seeds").mkdir(parents=True)
    (d / "config.toml").write_text("[sources.erp]\ndataset = 'raw_erp'\n", encoding="utf-8")
    for name, text in seeds.items():
        (d / "seeds" / name).write_text(text, encoding="utf-8")
    return d


def test_default_profile_uses_the_demo_configuration(monkeypatch):
    monkeypatch.delenv(profile.ENV, raising=False)
    monkeypatch.delenv("LEDGERBRIDGE_DLT_DIR", raising=False)
    assert profile.profile_dir() is None
    assert profile.config_dir() == profile.DEFAULT_SEEDS.parents[1] / ".dlt"


def test_profile_seeds_replace_defaults_and_keep_the_rest(tmp_path, monkeypatch):
    d = _profile(tmp_path, {"code_mappings.csv": "party_type,gl_code,erp_code\nsupplier,OLD1,S001\n"})
    monkeypatch.setenv(profile.ENV, str(d))
    assert profile.config_dir() == d
    out = profile.assemble_seeds(tmp_path / "seeds")
    assert (out / "code_mappings.csv").read_text(encoding="utf-8").endswith("supplier,OLD1,S001\n")
    defaults = sorted(p.name for p in profile.DEFAULT_SEEDS.glob("*.csv"))
    assert sorted(p.name for p in out.glob("*.csv")) == defaults
    other = next(n for n in defaults if n != "code_mappings.csv")
    assert (out / other).read_bytes() == (profile.DEFAULT_SEEDS / other).read_bytes()


def test_a_profile_seed_without_a_default_is_refused(tmp_path, monkeypatch):
    d = _profile(tmp_path, {"code_mapings.csv": "x\n"})
    monkeypatch.setenv(profile.ENV, str(d))
    with pytest.raises(LedgerbridgeError, match="code_mapings.csv"):
        profile.assemble_seeds(tmp_path / "seeds")


def test_a_profile_folder_without_config_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(profile.ENV, str(tmp_path))
    with pytest.raises(LedgerbridgeError, match="no config.toml"):
        profile.config_dir()
