"""Demo expense system API: serves the simulator's ``expense/*.parquet`` as paged JSON."""

from .server import ExpenseAPIServer, running_server, serve_forever
from .store import ExpenseStore, parse_updated_since

__all__ = ["ExpenseAPIServer", "ExpenseStore", "parse_updated_since", "running_server", "serve_forever"]
