"""Scheduled reports: what a report holds and for whom, how it is rendered and archived, when it runs.

- :mod:`.config`, :mod:`.settings`, :mod:`.definitions`, :mod:`.recipients` — ``reports.toml``
- :mod:`.periods`, :mod:`.content` — the period a run reports on, each section's rows for a scope
- :mod:`.render` (xlsx, pdf, csv), :mod:`.charts`, :mod:`.fonts` — the files
- :mod:`.runs`, :mod:`.archive` — run records and files in the operational database and data folder
- :mod:`.runner`, :mod:`.schedule`, :mod:`.scheduler` — one run; cron fire times; the tick
- :mod:`.context`, :mod:`.commands` — everything loaded together; the command line

See docs/reports.md.
"""
