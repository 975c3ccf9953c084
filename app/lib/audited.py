"""Downloads that leave a trace: the bytes are built when the user clicks, and the
audit log records what, which orgs, how many rows and the file's sha256."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pandas as pd

from app.lib import access


def download(
    build: Callable[[], bytes], *, what: str, fmt: str, frame: pd.DataFrame, action: str = "download"
) -> Callable[[], bytes]:
    """A ``data=`` callable for ``st.download_button`` that checks ``action`` and audits the file.

    The principal is taken now (the callable runs outside the script run).
    """
    who = access.require_action(action)
    if "org_code" in frame.columns:
        orgs = sorted(str(o) for o in frame["org_code"].dropna().unique())
    else:
        orgs = list(who.granted)
    rows = len(frame)

    def make() -> bytes:
        from ledgerbridge.ops import audit

        data = build()
        audit.append(
            "download" if action == "download" else action,
            actor=who.username,
            target=f"{what}.{fmt}",
            orgs=orgs,
            row_count=rows,
            checksum=hashlib.sha256(data).hexdigest(),
            client=who.client,
            detail={"format": fmt, "bytes": len(data)},
        )
        return data

    return make
