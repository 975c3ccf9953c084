"""A deterministic simulator of one enterprise group as its ERP, GL and expense systems hold it.

``simulate`` writes the three sources (ERP database, GL export folder, expense
API store) and the ground truth of every planted anomaly.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.simulator import snapshot as snap_mod
from ledgerbridge.simulator.anomalies import AnomalyRates
from ledgerbridge.simulator.calendar import DEFAULT_AS_OF, day_of
from ledgerbridge.simulator.erp_writer import erp_frames, write_erp, write_sqlite
from ledgerbridge.simulator.erp_writer import plant_bad_rows as plant_erp_bad_rows
from ledgerbridge.simulator.expense_writer import expense_tables, write_expense
from ledgerbridge.simulator.expense_writer import plant_bad_rows as plant_expense_bad_rows
from ledgerbridge.simulator.gl_writer import write_gl, write_if_changed
from ledgerbridge.simulator.ground_truth import ground_truth
from ledgerbridge.simulator.styles import style as house_style
from ledgerbridge.simulator.world import build_world

ERP_FILE = "erp.sqlite"


@dataclass
class SimulationConfig:
    """What to simulate and where to write it."""

    seed: int = 42
    scale: float = 1.0
    out: Path = field(default_factory=lambda: Path("data/sources"))
    as_of: dt.date | None = None
    erp_url: str | None = None
    #: house style (see ``styles``): numbering, codes, GL layout
    style: str | None = None
    #: plant nothing: no anomaly, no bad row (a well-run company's books)
    clean: bool = False


@dataclass
class SimulationSummary:
    """What a simulation wrote."""

    tables: dict[str, int]
    seconds: float
    peak_memory_mb: float
    out: Path
    as_of: dt.date
    anomalies: dict[str, int]


def simulate(
    config: SimulationConfig, progress: Callable[[str, int], None] | None = None
) -> SimulationSummary:
    """Generate the world, cut it at the as-of date and write the three sources and the ground truth."""
    if config.scale <= 0:
        raise LedgerbridgeError("scale must be positive")
    started = time.perf_counter()
    report = progress or (lambda step, rows: None)
    as_of = np.datetime64(config.as_of) if config.as_of else DEFAULT_AS_OF
    a = day_of(as_of)
    if a < 0:
        raise LedgerbridgeError(f"as-of date {as_of} is before the simulated years (2024–2025)")
    world = build_world(
        config.seed, config.scale, house_style(config.style), AnomalyRates.none() if config.clean else None
    )
    report("world generated (events)", len(world.events))
    snap = snap_mod.take(world, a)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    tables: dict[str, int] = {}

    frames = erp_frames(world, snap)
    truth_rows = plant_erp_bad_rows(frames, world, a)
    write_sqlite(frames, out / ERP_FILE)
    if config.erp_url:
        write_erp(frames, config.erp_url)
    for name, df in frames.items():
        tables[f"erp.{name}"] = len(df)
    report("ERP database written", sum(len(df) for df in frames.values()))

    gl_counts, gl_truth = write_gl(world, snap, out)
    truth_rows += gl_truth
    tables.update({f"finance.{k}": v for k, v in gl_counts.items()})
    report("GL exports written", gl_counts["gl_voucher_lines"])

    exp = expense_tables(world, snap)
    truth_rows += plant_expense_bad_rows(exp, world, a)
    exp_counts = write_expense(exp, out)
    tables.update({f"expense.{k}": v for k, v in exp_counts.items()})
    report("expense store written", sum(exp_counts.values()))

    truth = ground_truth(world, snap, truth_rows)
    table = pa.Table.from_pandas(
        truth.astype(object).where(truth.notna(), None).astype(str).replace("None", None),
        preserve_index=False,
    )
    tmp = out / ".ground_truth.parquet.tmp"
    pq.write_table(table, tmp)
    tmp.replace(out / "ground_truth.parquet")
    write_if_changed(out / "ground_truth.csv", truth.to_csv(index=False).encode("utf-8"))
    write_if_changed(
        out / "simulation.json",
        (
            f'{{"seed": {config.seed}, "scale": {config.scale}, "as_of": "{as_of}", '
            f'"style": "{world.style.name}", "clean": {str(config.clean).lower()}}}\n'
        ).encode(),
    )
    report("ground truth written", len(truth))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return SimulationSummary(
        tables,
        time.perf_counter() - started,
        peak,
        out,
        dt.date.fromisoformat(str(as_of)),
        truth["anomaly"].value_counts().to_dict(),
    )
