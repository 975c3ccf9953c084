"""Shared terminal output for the ``ledgerbridge`` command line.

Every subcommand prints through these helpers so the CLI looks the same
everywhere: one line per completed step, a summary table at the end, and
errors as a single red ``error: ...`` line on stderr.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

# Consoles resolve sys.stdout / sys.stderr when they print, so output is
# captured correctly by test runners that swap the streams.
# Piped output (CI logs, `make bench > file`) gets room for whole table rows instead of 80 columns.
_PIPED_WIDTH = None if sys.stdout.isatty() else 140
console = Console(highlight=False, width=_PIPED_WIDTH)
err_console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 140)


def format_count(n: int | float | None) -> str:
    """``1234567`` -> ``1,234,567``; ``None`` -> ``-``."""
    if n is None:
        return "-"
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.1f}"
    return f"{int(n):,}"


def format_seconds(seconds: float | None) -> str:
    """Human-friendly duration: ``0.42s``, ``12.3s``, ``4m05s``."""
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}m{rest:02d}s"


def redact_url(url: str) -> str:
    """A database URL safe to print: the password (if any) is masked."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a SQLAlchemy URL: print it as given
        return url


def print_step(
    name: str,
    rows: int | None = None,
    seconds: float | None = None,
    detail: str | None = None,
    *,
    ok: bool = True,
) -> None:
    """One line for a completed step: ``✓ suppliers      1,200 rows  0.31s``."""
    line = Text()
    line.append("✓ " if ok else "✗ ", style="green" if ok else "red")
    line.append(name + " " * max(1, 28 - cell_len(name)), style="bold")
    if rows is not None:
        line.append(f"{format_count(rows):>12} rows", style="cyan")
    if seconds is not None:
        line.append(f"  {format_seconds(seconds):>7}", style="dim")
    if detail:
        line.append(f"  {detail}", style="dim")
    console.print(line, soft_wrap=True)


def step_reporter() -> Callable[[str, int], None]:
    """A ``progress(step_name, rows)`` callback that prints a step line with
    the time elapsed since the previous step (or since the reporter was made)."""
    last = time.perf_counter()

    def report(step_name: str, rows: int) -> None:
        nonlocal last
        now = time.perf_counter()
        print_step(step_name, rows, now - last)
        last = now

    return report


@contextmanager
def status(message: str) -> Iterator[None]:
    """A spinner while a long step runs (only on a terminal; silent otherwise)."""
    if console.is_terminal:
        with console.status(escape(message)):
            yield
    else:
        yield


def print_summary(
    title: str,
    counts: Mapping[str, int | float],
    *,
    name_header: str = "table",
    count_header: str = "rows",
    total: bool = True,
    caption: str | None = None,
) -> None:
    """A two-column summary table (name, count) with an optional total row."""
    table = Table(title=title, caption=caption, title_justify="left", caption_justify="left")
    table.add_column(name_header, style="bold")
    table.add_column(count_header, justify="right", style="cyan")
    for name, n in counts.items():
        table.add_row(escape(str(name)), format_count(n))
    if total and counts:
        table.add_section()
        table.add_row("total", format_count(sum(counts.values())), style="bold")
    console.print(table)


def print_table(title: str, columns: list[str], rows: list[list[object]]) -> None:
    """A generic table; numbers are right-aligned and formatted with separators."""
    table = Table(title=title, title_justify="left")
    numeric = [bool(rows) and all(isinstance(r[i], int | float) for r in rows) for i in range(len(columns))]
    for col, is_num in zip(columns, numeric, strict=True):
        table.add_column(col, justify="right" if is_num else "left")
    for r in rows:
        table.add_row(*(format_count(v) if isinstance(v, int | float) else escape(str(v)) for v in r))
    console.print(table)


def print_info(message: str) -> None:
    """A plain informational line (markup is not interpreted)."""
    console.print(Text(message), soft_wrap=True)


def print_success(message: str) -> None:
    """A green line for the final outcome of a command."""
    console.print(Text(message, style="bold green"), soft_wrap=True)


def print_warning(message: str) -> None:
    """A yellow ``warning: ...`` line on stderr."""
    err_console.print(Text(f"warning: {message}", style="yellow"), soft_wrap=True)


def format_error(exc: BaseException | str) -> str:
    """The one-line text of an error: its message, or its type if it has none."""
    if isinstance(exc, str):
        message = exc
    elif isinstance(exc, OSError) and exc.strerror and getattr(exc, "filename", None):
        message = f"{exc.strerror}: {exc.filename}"
    else:
        message = str(exc) or type(exc).__name__
    return " ".join(message.split())  # always a single line


def print_error(exc: BaseException | str) -> None:
    """One red ``error: <message>`` line on stderr, never a traceback."""
    err_console.print(Text(f"error: {format_error(exc)}", style="bold red"), soft_wrap=True)


def print_traceback(exc: BaseException) -> None:
    """The full traceback of ``exc`` on stderr (used with ``--debug``)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    err_console.print(Text(text.rstrip(), style="red"), soft_wrap=True)
