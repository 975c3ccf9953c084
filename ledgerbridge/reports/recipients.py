"""Who receives a report, how to reach them and which orgs they may see.

The report machinery needs three facts per user: an e-mail address, chat ids (for
@-mentions in group robots) and the orgs they are granted. :func:`directory`
returns the source of those facts. Until the user store of the operational
database answers, the fallback is the reporting configuration itself::

    [[recipients]]
    id = "acct_sh"
    name = "李会计"
    email = "li@example.com"
    orgs = ["ORG01"]            # "*" = every org, group figures included
    chat = { dingtalk = "13800000000", wecom = "LiKuaiJi" }

    [groups]
    finance = ["cfo", "acct_sh"]

A definition names users by id and groups as ``group:<name>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ledgerbridge.errors import LedgerbridgeError

ALL_ORGS = "*"


@dataclass(frozen=True)
class Recipient:
    """A user as reports see them. ``orgs`` None means every org (and the group figures)."""

    user_id: str
    name: str
    email: str | None = None
    chat_ids: Mapping[str, str] = field(default_factory=dict)
    orgs: frozenset[str] | None = frozenset()

    @property
    def scope(self) -> Scope:
        return Scope(self.orgs)


@dataclass(frozen=True)
class Scope:
    """The orgs a file is rendered for; None = all orgs."""

    orgs: frozenset[str] | None

    @property
    def key(self) -> str:
        """A folder-safe label: ``all`` or the org codes joined by ``+``."""
        return "all" if self.orgs is None else "+".join(sorted(self.orgs)) or "none"

    def allows(self, org: str) -> bool:
        return self.orgs is None or org in self.orgs

    def limit(self, orgs: frozenset[str] | None) -> Scope:
        """This scope within ``orgs`` (a report limited to some orgs); None leaves it as it is."""
        if orgs is None:
            return self
        return Scope(orgs if self.orgs is None else self.orgs & orgs)


class UserDirectory(Protocol):
    """What reports need from a user store."""

    def recipient(self, user_id: str) -> Recipient | None: ...

    def group_members(self, group: str) -> list[str]: ...


class ConfigDirectory:
    """Recipients and groups declared in the reporting configuration."""

    def __init__(self, config: Mapping[str, Any]):
        self._users: dict[str, Recipient] = {}
        for raw in config.get("recipients") or []:
            uid = str(raw.get("id") or "")
            if not uid:
                raise LedgerbridgeError(f"[[recipients]]: an entry has no id: {raw!r}")
            grants = raw.get("orgs", [])
            orgs = None if ALL_ORGS in grants else frozenset(str(o) for o in grants)
            self._users[uid] = Recipient(
                user_id=uid,
                name=str(raw.get("name") or uid),
                email=raw.get("email"),
                chat_ids={str(k): str(v) for k, v in (raw.get("chat") or {}).items()},
                orgs=orgs,
            )
        self._groups = {str(k): [str(u) for u in v] for k, v in (config.get("groups") or {}).items()}

    def recipient(self, user_id: str) -> Recipient | None:
        return self._users.get(user_id)

    def group_members(self, group: str) -> list[str]:
        return list(self._groups.get(group, []))


def directory(config: Mapping[str, Any]) -> UserDirectory:
    """The user store reports read. Hook: the operational database's users, roles and org
    grants replace the configuration's ``[[recipients]]`` here."""
    return ConfigDirectory(config)


def resolve(names: Iterable[str], users: UserDirectory) -> list[Recipient]:
    """Users and ``group:<name>`` entries as recipients, de-duplicated, in the order named.

    An unknown user or an empty group is an error: a report must not silently lose a reader.
    """
    out: dict[str, Recipient] = {}
    for name in names:
        ids = users.group_members(name.removeprefix("group:")) if name.startswith("group:") else [name]
        if not ids:
            raise LedgerbridgeError(f"recipient {name}: no such group, or it has no members")
        for uid in ids:
            who = users.recipient(uid)
            if who is None:
                raise LedgerbridgeError(f"recipient {uid}: no such user")
            out.setdefault(uid, who)
    return list(out.values())
