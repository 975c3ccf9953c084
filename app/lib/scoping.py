"""The org-filtered form of every model: one temporary view per model and query
connection, ``lb_<schema>__<model>``, that keeps only the user's orgs.

Page queries (:mod:`app.lib.warehouse`) and console queries (:mod:`app.lib.console`)
read models only through these views. A model with an ``org_code`` column is
filtered; a model without one is readable only when the access policy lists it as
holding no org's figures (``[data] unscoped_models`` in ``roles.toml``); any other
model is not readable at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from app.lib.access import AccessDenied
from ledgerbridge.roles import Policy

VIEW_PREFIX = "lb_"
ORG_COLUMN = "org_code"
_ORG_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: (schema, model) -> filtered by org_code (True) or readable whole (False)
Readable = dict[tuple[str, str], bool]


def readable_models(rels: pd.DataFrame, cols: pd.DataFrame, pol: Policy) -> Readable:
    """Every model a user may read at all, and whether it is filtered by org."""
    if rels.empty:
        return {}
    with_org = set()
    if not cols.empty:
        hit = cols[cols["column_name"].str.lower() == ORG_COLUMN]
        with_org = set(zip(hit["schema_name"], hit["table_name"], strict=True))
    out: Readable = {}
    for schema, name in zip(rels["schema_name"], rels["table_name"], strict=True):
        if not (_IDENT.fullmatch(schema) and _IDENT.fullmatch(name)):
            continue  # never put an odd identifier into SQL
        if (schema, name) in with_org:
            out[(schema, name)] = True
        elif pol.is_unscoped(schema, name):
            out[(schema, name)] = False
    return out


def view_name(schema: str, name: str) -> str:
    """The scoped view's name: ``lb_<schema>__<model>``."""
    return f"{VIEW_PREFIX}{schema}__{name}".lower()


def org_predicate(codes: Iterable[str]) -> str:
    """``"org_code" in ('ORG01', …)``, or ``false`` for no org (default deny)."""
    codes = list(codes)
    for c in codes:  # org codes come from the warehouse and the grants; refuse anything unusual
        if not _ORG_CODE.fullmatch(c):
            raise AccessDenied(f"org code {c!r} is not a plain code")
    if not codes:
        return "false"
    return f'"{ORG_COLUMN}" in (' + ", ".join(f"'{c}'" for c in codes) + ")"


def view_ddl(schema: str, name: str, org_scoped: bool, codes: Iterable[str]) -> str:
    """The statement that creates the scoped view of ``schema.name`` for ``codes``."""
    where = f" where {org_predicate(codes)}" if org_scoped else ""
    return (
        f'create or replace temp view "{view_name(schema, name)}" as select * from "{schema}"."{name}"{where}'
    )


def require_readable(readable: Readable, schema: str, name: str) -> bool:
    """Whether the model is org-filtered; :class:`AccessDenied` when it is not readable."""
    try:
        return readable[(schema, name)]
    except KeyError:
        raise AccessDenied(
            f"model {schema}.{name} is not readable (no org_code, not listed as unscoped)"
        ) from None
