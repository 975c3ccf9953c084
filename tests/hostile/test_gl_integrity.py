"""GL exports that lie: cut off, shrunk, unbalanced, restored with an old timestamp, emptied by
bad rows, missing a mapped column, holding a value too big for its type, removed. Each case ends
with what the operator sees and with the next good run equal to a fresh full load."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingestion import run_ingest
from ledgerbridge.errors import SourceError
from tests.hostile.kit import (
    csv_bytes,
    differences,
    q,
    raw_fingerprint,
    small_profile,
    voucher,
    voucher_line,
    write_gl,
)


@pytest.fixture
def place(place: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Voucher lines only (the other GL entities have their own tests): faster loads."""
    monkeypatch.setenv("LEDGERBRIDGE_PROFILE", str(small_profile(place, {"finance": ["gl_voucher_lines"]})))
    return place


P = "2026-07"
FILE = f"{P}/凭证_A_{P}.csv"


def ingest(place: Path, raw: str = "raw.duckdb", **kw):
    return run_ingest(["finance"], sources_dir=place / "sources", raw_path=place / raw, **kw)


def fresh_equals(place: Path, raw: str = "raw.duckdb") -> None:
    """A fresh full load of the same folder gives the same raw tables."""
    fresh = place / "fresh.duckdb"
    fresh.unlink(missing_ok=True)
    run_ingest(["finance"], sources_dir=place / "sources", raw_path=fresh)
    assert differences(raw_fingerprint(place / raw), raw_fingerprint(fresh)) == {}


def lines(place: Path, raw: str = "raw.duckdb") -> int:
    return q(place / raw, "select count(*) from raw_finance.gl_voucher_lines where _deleted_at is null")[0][0]


def three_vouchers() -> list[list[str]]:
    return [*voucher("A", P, 1), *voucher("A", P, 2, "250.00"), *voucher("A", P, 3, "7.50")]


def test_a_file_cut_inside_a_voucher_is_held_back_and_says_so(place: Path):
    data = csv_bytes(three_vouchers())
    cut = data[: data.rfind(b"1122")]  # in the middle of the last line: voucher 3 lost its credit
    write_gl(place / "sources", {FILE: cut})
    report = ingest(place)
    [warning] = report.warnings
    assert f"gl/{FILE} held back (unbalanced_voucher)" in warning and "A-2026-07-记-3" in warning
    assert lines(place) == 0  # nothing of a file that lies is loaded
    quarantine = q(place / "raw.duckdb", "select record_key, reason, raw_record from raw_finance.quarantine")
    assert [(k, r) for k, r, _ in quarantine] == [(FILE, "unbalanced_voucher")]
    write_gl(place / "sources", {FILE: data})  # the full export arrives
    assert ingest(place).warnings == [] and lines(place) == 6
    assert q(place / "raw.duckdb", "select count(*) from raw_finance.quarantine")[0][0] == 0
    fresh_equals(place)


def test_a_shrunk_re_export_is_held_back_with_rows_before_and_after(place: Path):
    write_gl(place / "sources", {FILE: csv_bytes(three_vouchers())})
    ingest(place)
    write_gl(place / "sources", {FILE: csv_bytes(three_vouchers()[:4])})  # cut on a voucher boundary
    report = ingest(place)
    [warning] = report.warnings
    assert f"gl/{FILE} held back (file_shrunk)" in warning and "6 lines before, 4 now" in warning
    assert lines(place) == 6
    run_log = q(
        place / "raw.duckdb",
        "select warnings from ops.run_log where table_name = 'gl_voucher_lines' "
        "order by started_at desc limit 1",
    )
    assert "held back" in run_log[0][0]
    accepted = ingest(place, accept_files=[f"{P}/*.csv"])
    assert accepted.warnings == [] and lines(place) == 4
    fresh_equals(place)


def test_a_held_back_file_restored_to_the_loaded_version_clears_its_record(place: Path):
    full = csv_bytes(three_vouchers())
    write_gl(place / "sources", {FILE: full})
    ingest(place)
    cut = full[: full.rstrip(b"\r\n").rfind(b"\r\n") + 2]  # the last line lost
    write_gl(place / "sources", {FILE: cut})
    assert ingest(place).warnings and q(place / "raw.duckdb", "select reason from raw_finance.quarantine")
    write_gl(place / "sources", {FILE: full})  # the export is run again, complete
    assert ingest(place).warnings == []
    assert q(place / "raw.duckdb", "select count(*) from raw_finance.quarantine") == [(0,)]
    fresh_equals(place)


def test_a_corrected_file_restored_with_its_old_modification_time_is_read_again(place: Path):
    write_gl(place / "sources", {FILE: csv_bytes(three_vouchers())})
    path = place / "sources" / "gl" / FILE
    stamp = path.stat().st_mtime_ns
    ingest(place)
    corrected = three_vouchers()
    corrected[2][11] = corrected[3][12] = "260.00"  # voucher 2 was keyed wrong
    path.write_bytes(csv_bytes(corrected))
    os.utime(path, ns=(stamp, stamp))  # restored from a backup: same time stamp
    ingest(place)
    debit = q(
        place / "raw.duckdb",
        "select debit from raw_finance.gl_voucher_lines where voucher_no = 2 and line_no = 1",
    )
    assert str(debit[0][0]) == "260.00"
    fresh_equals(place)


def test_a_file_whose_every_row_is_now_quarantined_replaces_its_old_rows(place: Path):
    write_gl(place / "sources", {FILE: csv_bytes(voucher("A", P, 1))})
    ingest(place)
    bad = voucher("A", P, 1)
    for row in bad:
        row[1] = "2026-07-32"  # no such day
    write_gl(place / "sources", {FILE: csv_bytes(bad)})
    ingest(place)
    assert lines(place) == 0
    reasons = q(
        place / "raw.duckdb",
        "select reason, row_number, column_name, column_value from raw_finance.quarantine "
        "order by row_number",
    )
    assert reasons == [
        ("malformed_date", 2, "voucher_date", "2026-07-32"),
        ("malformed_date", 3, "voucher_date", "2026-07-32"),
    ]
    fresh_equals(place)


def test_a_value_too_big_for_its_type_quarantines_its_row_and_the_rest_loads(place: Path):
    rows = [*voucher("A", P, 1), *voucher("A", P, 2)]
    rows[2][11] = rows[3][12] = "123456789012345678901234567890.00"
    write_gl(place / "sources", {FILE: csv_bytes(rows)})
    report = ingest(place)
    assert report.ok and lines(place) == 2
    bad = q(
        place / "raw.duckdb",
        "select source_location, row_number, column_name, column_value, reason "
        "from raw_finance.quarantine order by row_number",
    )
    assert bad == [
        (f"gl/{FILE}", 4, "debit", "123456789012345678901234567890.00", "number_out_of_range"),
        (f"gl/{FILE}", 5, "credit", "123456789012345678901234567890.00", "number_out_of_range"),
    ]


def test_a_renamed_required_column_fails_the_source_naming_file_and_column(place: Path):
    write_gl(place / "sources", {FILE: csv_bytes(voucher("A", P, 1))})
    ingest(place)
    header = ["借方金额X" if h == "借方" else h for h in csv_bytes([]).decode().strip().split(",")]
    other = f"{P}/凭证_B_{P}.csv"
    write_gl(place / "sources", {other: csv_bytes(voucher("B", P, 1), header=header)})
    with pytest.raises(SourceError) as err:
        ingest(place)
    msg = str(err.value)
    assert msg.startswith(f"finance: gl/{other}: required column missing") and "debit (借方" in msg
    assert "\n" not in msg and lines(place) == 2  # what was loaded stays


def test_a_removed_file_is_held_back_then_marked_deleted_when_accepted(place: Path):
    other = f"{P}/凭证_B_{P}.csv"
    write_gl(place / "sources", {FILE: csv_bytes(voucher("A", P, 1)), other: csv_bytes(voucher("B", P, 1))})
    ingest(place)
    (place / "sources" / "gl" / other).unlink()
    [warning] = ingest(place).warnings
    assert f"gl/{other} held back (file_missing)" in warning
    assert lines(place) == 4
    report = ingest(place, accept_files=[other])
    assert report.source("finance").tables[0].deleted == 2
    assert lines(place) == 2
    assert (
        q(
            place / "raw.duckdb",
            "select count(*) from raw_finance.gl_voucher_lines where _deleted_at is not null",
        )[0][0]
        == 2
    )
    assert q(place / "raw.duckdb", "select check_name from ops.data_quality") == [("file_removed",)]
    assert q(place / "raw.duckdb", "select sum(rows_deleted) from ops.run_log")[0][0] == 2
    fresh_equals(place)


def test_duplicate_line_keys_are_recorded_with_both_versions(place: Path):
    rows = [*voucher("A", P, 1), voucher_line("A", P, 1, 2, "1122", credit="100.00", summary="again")]
    rows.append(voucher_line("A", P, 1, 3, "1002", debit="100.00"))
    write_gl(place / "sources", {FILE: csv_bytes(rows)})
    report = ingest(place)
    assert any("1 key(s) came more than once" in w for w in report.warnings)
    found = q(
        place / "raw.duckdb",
        "select record_key, check_name, kept, raw_record from ops.data_quality order by raw_record",
    )
    assert [(k, c, kept) for k, c, kept, _ in found] == [("A/2026-07/记/1/2", "duplicate_key", True)] * 2
    assert {'"summary": "again"' in r for *_, r in found} == {True, False}


# -- hostile files -----------------------------------------------------------------------------


def test_an_empty_file_fails_the_source_in_one_line_and_keeps_what_was_loaded(place: Path):
    write_gl(place / "sources", {FILE: csv_bytes(voucher("A", P, 1))})
    ingest(place)
    write_gl(place / "sources", {f"{P}/凭证_B_{P}.csv": b""})
    with pytest.raises(SourceError, match=f"finance: gl/{P}/凭证_B_{P}.csv: the file is empty"):
        ingest(place)
    assert lines(place) == 2


def test_a_header_only_file_loads_nothing_new_and_a_header_only_re_export_is_held_back(place: Path):
    write_gl(place / "sources", {FILE: csv_bytes(voucher("A", P, 1)), f"{P}/凭证_B_{P}.csv": csv_bytes([])})
    assert ingest(place).warnings == [] and lines(place) == 2
    write_gl(place / "sources", {FILE: csv_bytes([])})
    [warning] = ingest(place).warnings
    assert "file_shrunk" in warning and "2 lines before, 0 now" in warning
    assert lines(place) == 2


def test_gb18030_with_invalid_bytes_quarantines_those_lines(place: Path):
    good = csv_bytes(voucher("A", P, 1) + voucher("A", P, 2), encoding="gb18030")
    head, tail = good.split(b"\r\n", 1)
    broken_line = "A,2026-07-15,2026-07,记,9,1,坏行".encode("gb18030") + b"\xff\xfe,1002"
    data = head + b"\r\n" + broken_line + b"\r\n" + tail
    write_gl(place / "sources", {FILE: data})
    report = ingest(place)
    assert report.ok and lines(place) == 4
    [(reason, row, raw)] = q(
        place / "raw.duckdb", "select reason, row_number, raw_record from raw_finance.quarantine"
    )
    assert reason == "invalid_encoding" and row == 2 and "坏行" in raw


def test_nul_bytes_and_a_200k_character_text_load_intact(place: Path):
    rows = voucher("A", P, 1)
    rows[0][6] = "a\x00b"
    rows[1][6] = "长" * 200_000
    write_gl(place / "sources", {FILE: csv_bytes(rows)})
    assert ingest(place).ok
    got = q(place / "raw.duckdb", "select summary from raw_finance.gl_voucher_lines order by line_no")
    assert got[0][0] == "a\x00b" and got[1][0] == "长" * 200_000


def test_an_xlsx_that_is_no_workbook_fails_in_one_line_naming_it(place: Path):
    write_gl(place / "sources", {f"{P}/凭证_C_{P}.xlsx": b"PK\x03\x04 not really a zip"})
    with pytest.raises(SourceError) as err:
        ingest(place)
    msg = str(err.value)
    assert msg.startswith(f"finance: cannot read gl/{P}/凭证_C_{P}.xlsx: ") and "\n" not in msg
