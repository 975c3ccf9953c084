"""The active company profile: the folder that holds one company's configuration.

A profile is what a customer writes to onboard a company, with no Python:

``config.toml``
    sources, tables, keys, cursors, validation (the keys of ``.dlt/config.toml``)
``secrets.toml``
    optional, never committed (database URLs with passwords, API tokens)
``gl_columns.toml`` (or whatever ``mapping_file`` in config.toml names)
    the GL export's headers and layout
``seeds/*.csv``
    overrides of the dbt seeds of the same name (``dbt_project/seeds``): document
    number patterns, account mappings, code mappings, posting rules, tolerances …;
    a file replaces the default file as a whole

It is selected with ``--profile DIR`` on the command line or ``LEDGERBRIDGE_PROFILE``;
without one, the demo defaults apply (``.dlt/`` and ``dbt_project/seeds/``).
"""

from __future__ import annotations

import os
from pathlib import Path

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import PROJECT_ROOT

ENV = "LEDGERBRIDGE_PROFILE"
DEFAULT_SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"


def profile_dir() -> Path | None:
    """The selected profile folder, or None for the demo defaults."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (Path.cwd() / path).resolve()
    if not (path / "config.toml").is_file():
        raise LedgerbridgeError(f"profile {path}: no config.toml in it ({ENV} or --profile)")
    return path


def select(path: Path | str | None) -> None:
    """Make ``path`` the active profile for this process (None keeps the current one)."""
    if path is not None:
        os.environ[ENV] = str(Path(path).expanduser().resolve())
        profile_dir()  # fail early on a folder without config.toml


def config_dir() -> Path:
    """The folder holding config.toml / secrets.toml: the profile, else
    ``LEDGERBRIDGE_DLT_DIR``, else the project's ``.dlt``."""
    return profile_dir() or Path(os.environ.get("LEDGERBRIDGE_DLT_DIR", PROJECT_ROOT / ".dlt"))


def seed_overrides() -> list[Path]:
    """The profile's seed CSVs that replace defaults (sorted by name)."""
    d = profile_dir()
    if d is None or not (d / "seeds").is_dir():
        return []
    return sorted((d / "seeds").glob("*.csv"))


def assemble_seeds(target: Path) -> Path:
    """Write the active seed set into ``target``: the defaults, each replaced by the
    profile's file of the same name. A profile seed with no default is refused (a
    typo would otherwise be ignored silently). Returns ``target``."""
    defaults = {p.name: p for p in DEFAULT_SEEDS.glob("*.csv")}
    overrides = seed_overrides()
    unknown = [p.name for p in overrides if p.name not in defaults]
    if unknown:
        raise LedgerbridgeError(
            f"profile seeds with no default of that name: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(defaults))})"
        )
    chosen = defaults | {p.name: p for p in overrides}
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.csv"):
        if stale.name not in chosen:
            stale.unlink()
    for name, src in chosen.items():
        dst = target / name
        data = src.read_bytes()
        # unchanged bytes keep their mtime, so dbt's partial parsing stays valid
        if not dst.is_file() or dst.read_bytes() != data:
            tmp = dst.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(dst)
    return target


def describe() -> str:
    """One line naming the active profile, for run summaries and logs."""
    d = profile_dir()
    return f"profile {d}" if d else "demo profile (built-in defaults)"


__all__ = ["ENV", "assemble_seeds", "config_dir", "describe", "profile_dir", "select", "seed_overrides"]
