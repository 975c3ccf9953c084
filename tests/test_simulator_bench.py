"""``ledgerbridge bench``: stages run in subprocesses and report seconds, rows and peak memory."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ledgerbridge.bench import parse_stages, run_bench
from ledgerbridge.cli import app


def test_bench_simulate_stage_writes_results(tmp_data_dir):
    result, path = run_bench(0.05, ["simulate"])
    (stage,) = result.stages
    assert stage.status == "ok", stage.detail
    assert stage.rows > 1000 and stage.seconds > 0 and stage.peak_memory_mb > 50
    assert (tmp_data_dir / "bench" / "scale-0.05" / "sources" / "erp.sqlite").exists()
    data = json.loads(path.read_text())
    assert path == tmp_data_dir / "bench" / "results-0.05.json"
    assert data["stages"][0]["stage"] == "simulate" and data["stages"][0]["rows_per_second"] > 0


def test_bench_cli_prints_a_table_and_rejects_unknown_stages(tmp_data_dir):
    result = CliRunner().invoke(app, ["bench", "--scale", "0.05", "--stages", "simulate"])
    assert result.exit_code == 0, result.output
    assert "peak MB" in result.stdout and "simulate" in result.stdout
    assert (tmp_data_dir / "bench" / "results-0.05.json").exists()
    bad = CliRunner().invoke(app, ["bench", "--stages", "simulate,nope"])
    assert bad.exit_code == 2 and "unknown stage" in bad.stderr
    assert parse_stages("app,simulate") == ["simulate", "app"]


def test_bench_ingest_stage_reports_sources_incremental_and_storage_floor(tmp_data_dir):
    from ledgerbridge.bench import detail_rows

    result, _ = run_bench(0.05, ["simulate", "ingest"])
    sim, ingest = result.stages
    assert ingest.status == "ok", ingest.detail
    m = ingest.extra["measure"]
    assert set(m["full"]["sources"]) == {"erp", "finance", "expense"}
    assert all(s["status"] == "success" and s["rows"] > 0 for s in m["full"]["sources"].values())
    # the 1 % change re-loads only what changed
    assert m["changed_rows"] > 0
    assert m["incremental"]["sources"]["erp"]["rows"] < m["full"]["sources"]["erp"]["rows"] / 10
    # the floor stores exactly the rows the full load wrote
    for source, floor in m["storage_floor"].items():
        assert floor["rows"] == m["full"]["sources"][source]["rows"], source
        assert floor["merge_seconds"] > 0 and floor["write_seconds"] > 0
    labels = [r[0] for r in detail_rows(result)]
    assert "ingest floor · erp" in labels and "ingest full · finance" in labels
    assert not (tmp_data_dir / "bench" / "scale-0.05" / "ingest-bench").exists()  # the copy is gone
