"""The reporting configuration file: report definitions, recipients, delivery channels, alerts.

It is ``reports.toml`` in the active profile folder (the demo's is ``.dlt/reports.toml``);
``LEDGERBRIDGE_REPORTS_CONFIG`` points elsewhere. Secrets (SMTP password, webhook URLs
with their tokens, signing secrets) go to the profile's ``secrets.toml`` under
``[delivery…]`` or to ``DELIVERY__…`` environment variables (dlt style, e.g.
``DELIVERY__SMTP__PASSWORD``); both are merged over the file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ledgerbridge import profile
from ledgerbridge.errors import LedgerbridgeError

ENV = "LEDGERBRIDGE_REPORTS_CONFIG"
FILE_NAME = "reports.toml"
SECRET_ENV_PREFIX = "DELIVERY__"


def config_path() -> Path:
    """Where the reporting configuration is read from."""
    value = os.environ.get(ENV, "").strip()
    return Path(value).expanduser() if value else profile.config_dir() / FILE_NAME


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict ({} when missing); a broken file is a one-line error."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LedgerbridgeError(f"cannot read {path}: {exc}") from exc


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` merged into ``base`` (tables merge, other values replace)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _env_secrets() -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name, value in os.environ.items():
        if not name.startswith(SECRET_ENV_PREFIX):
            continue
        keys = [k.lower() for k in name.split("__")]
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return tree


def load(path: Path | None = None) -> dict[str, Any]:
    """The merged configuration: the file, then ``[delivery]`` from secrets.toml and the environment."""
    target = Path(path) if path else config_path()
    if path is None and not target.is_file() and os.environ.get(ENV):
        raise LedgerbridgeError(f"{ENV}: {target} does not exist")
    raw = read_toml(target)
    secrets = read_toml(target.parent / "secrets.toml")
    delivery = deep_merge(raw.get("delivery", {}), secrets.get("delivery", {}))
    delivery = deep_merge(delivery, _env_secrets().get("delivery", {}))
    return {**raw, "delivery": delivery, "_path": str(target)}
