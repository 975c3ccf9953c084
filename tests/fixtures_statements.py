"""A pytest plugin: the statement fixture warehouse (tests/statements_fixture.py), built once per
session by the real dbt models, for the statement and app tests; and the same group tampered."""

from __future__ import annotations

import pytest
import statements_fixture as fx


@pytest.fixture(scope="session")
def statements_fixture_build(tmp_path_factory: pytest.TempPathFactory) -> fx.FixtureBuild:
    """The hand-computed three-org group, built."""
    return fx.build(tmp_path_factory.mktemp("statements_fixture"))


@pytest.fixture(scope="session")
def tampered_build(tmp_path_factory: pytest.TempPathFactory) -> fx.FixtureBuild:
    """The fixture group with an unbalanced voucher, intercompany balances that disagree and an
    unmapped account."""

    def tamper(vouchers: list) -> list:
        out = []
        for org, period, no, lines in vouchers:
            if (org, period, no) == ("ORG_A", "2025-01", 4):  # the expense loses its credit line
                lines = lines[:1]
            if (org, period, no) == ("ORG_B", "2025-01", 2):  # B books the purchase from A at 120, not 113
                lines = [
                    ("1405", "107.00", "0", None, None),
                    ("22210101", "13.00", "0", None, "SA"),
                    ("220201", "0", "120.00", None, "SA"),
                ]
            out.append((org, period, no, lines))
        out.append(
            ("ORG_B", "2025-01", 9, [("1999", "7.00", "0", None, None), ("100201", "0", "7.00", None, None)])
        )
        return out

    return fx.build(tmp_path_factory.mktemp("statements_tampered"), tamper=tamper)
