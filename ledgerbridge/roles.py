"""Roles and data policy: which pages and actions each role has, which models hold no
org's figures, what the SQL console may read. Data, not code: ``app/roles.toml``,
replaced by a company profile's ``roles.toml`` or the file ``LEDGERBRIDGE_ROLES`` names.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import PROJECT_ROOT

ENV = "LEDGERBRIDGE_ROLES"
DEFAULT_PATH = PROJECT_ROOT / "app" / "roles.toml"


@dataclass(frozen=True)
class Role:
    """One role: the pages (URL paths) it opens and the actions it may take."""

    name: str
    description: str
    pages: frozenset[str]
    actions: frozenset[str]


@dataclass(frozen=True)
class Policy:
    """The whole access policy of a deployment."""

    roles: dict[str, Role]
    sensitive_pages: frozenset[str]
    unscoped_models: tuple[str, ...]
    console_schemas: tuple[str, ...]

    def role(self, name: str) -> Role:
        """The role called ``name`` (a clear error for an unknown one)."""
        try:
            return self.roles[name]
        except KeyError:
            raise LedgerbridgeError(
                f"unknown role {name!r} (known: {', '.join(sorted(self.roles))})"
            ) from None

    def is_unscoped(self, schema: str, name: str) -> bool:
        """Whether ``schema.name`` may be read without an org filter (it has no org's figures).

        A pattern with a dot matches ``schema.model``; one without matches the model in any schema.
        """
        qualified = f"{schema}.{name}"
        return any(fnmatch.fnmatchcase(qualified if "." in p else name, p) for p in self.unscoped_models)


def policy_path() -> Path:
    """``LEDGERBRIDGE_ROLES``, else the active profile's ``roles.toml``, else ``app/roles.toml``."""
    if env := os.environ.get(ENV, "").strip():
        return Path(env).expanduser()
    from ledgerbridge.profile import profile_dir

    prof = profile_dir()
    if prof is not None and (prof / "roles.toml").is_file():
        return prof / "roles.toml"
    return DEFAULT_PATH


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise LedgerbridgeError(f"{where}: expected a list of names")
    return list(value)


@cache
def _load(path: str, mtime_ns: int) -> Policy:
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LedgerbridgeError(f"roles file {path}: {exc}") from None
    roles = {}
    for name, spec in (doc.get("roles") or {}).items():
        if not isinstance(spec, dict):
            raise LedgerbridgeError(f"roles file {path}: [roles.{name}] must be a table")
        roles[name] = Role(
            name=name,
            description=str(spec.get("description", "")),
            pages=frozenset(_strings(spec.get("pages", []), f"roles.{name}.pages")),
            actions=frozenset(_strings(spec.get("actions", []), f"roles.{name}.actions")),
        )
    if not roles:
        raise LedgerbridgeError(f"roles file {path}: no [roles.*] defined")
    data = doc.get("data") or {}
    return Policy(
        roles=roles,
        sensitive_pages=frozenset(_strings((doc.get("audit") or {}).get("sensitive_pages", []), "audit")),
        unscoped_models=tuple(_strings(data.get("unscoped_models", []), "data.unscoped_models")),
        console_schemas=tuple(_strings(data.get("console_schemas", []), "data.console_schemas")),
    )


def policy(path: Path | None = None) -> Policy:
    """The access policy (re-read when the file changes)."""
    path = path or policy_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise LedgerbridgeError(f"roles file {path} does not exist ({ENV})") from None
    return _load(str(path), mtime)
