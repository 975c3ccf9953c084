"""How dlt runs in a ledgerbridge process: settings that must hold whatever the working folder
(dlt reads ``.dlt/config.toml`` only from the current one), set before dlt is imported.

Import this module before ``dlt``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
# no per-row _dlt_id: raw tables merge on their natural keys and have no nested tables, so a random
# row id would only cost a rewrite of every Parquet file and the most expensive column to store
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "false")
# the loaded rows live in the raw file: keep no load package data files (they would grow the
# pipelines folder by the size of every load). The staging tables are emptied by ingestion itself,
# after it read the keys that came twice in the load from them (ingestion.duplicates).
os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
os.environ.setdefault("LOAD__TRUNCATE_STAGING_DATASET", "false")


def _skip_streamlit_secrets_outside_streamlit() -> None:
    """Without a ``.dlt/secrets.toml`` (secrets may well come from the environment), dlt looks for
    Streamlit's secrets instead and imports Streamlit to do so: 0.5 s (1.4 s uncompiled) of every
    ingest, only to learn that no Streamlit app runs here. A process that has not imported
    Streamlit runs no Streamlit app, so there the lookup is skipped; inside the app it is kept."""
    from dlt.common.configuration.providers import toml

    provider = getattr(toml, "SettingsTomlProvider", None)
    lookup = getattr(provider, "_read_streamlit_secrets", None)
    if lookup is None or getattr(lookup, "only_inside_streamlit", False):
        return

    def read_streamlit_secrets(self: Any, name: str, file_name: str) -> Any:
        return lookup(self, name, file_name) if "streamlit" in sys.modules else None

    read_streamlit_secrets.only_inside_streamlit = True  # type: ignore[attr-defined]
    provider._read_streamlit_secrets = read_streamlit_secrets  # type: ignore[union-attr]


_skip_streamlit_secrets_outside_streamlit()
