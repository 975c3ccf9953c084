"""The operational database: decisions and history that outlive a warehouse rebuild.

Users, roles and org grants, the audit log, report runs and deliveries, alerts,
proposal and exception states live here (SQLAlchemy; SQLite by default, PostgreSQL
when ``LEDGERBRIDGE_OPS_URL`` says so). The warehouse is rebuilt on every run; this
database is not. The app writes only here, never to the warehouse.
"""

from ledgerbridge.ops.db import Migration, engine, migrate, ops_url, register

__all__ = ["Migration", "engine", "migrate", "ops_url", "register"]
