"""Shared app library: data access, SQL, charts, formatting, i18n, downloads."""
