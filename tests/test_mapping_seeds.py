"""The bank-account mapping rows against the simulator's chart of accounts (issue 16).

Every ``BANK_ACCOUNT`` row maps a bank account whose currency is in its name (``BOC-USD-01``)
to a 1002 sub-account. The expected sub-account comes from the simulator's own chart
(``BANK_BY_CURRENCY``: the GL it writes books USD at 100202), not from the seed, so a USD
account mapped to the CNY sub-account fails here for every row, whichever org uses it. The
fixture company's rows (tests/accounting/conftest.py) are checked the same way.
"""

from __future__ import annotations

import csv
import io

import pytest

from ledgerbridge.profile import DEFAULT_SEEDS
from ledgerbridge.simulator.master import BANK_BY_CURRENCY, CHART_OF_ACCOUNTS
from tests.accounting.conftest import BANKS


def _bank_rows(text: str) -> list[tuple[str, str]]:
    rows = csv.reader(io.StringIO(text))
    return [(r[1], r[2]) for r in rows if r and r[0] == "BANK_ACCOUNT"]


DEFAULT_ROWS = _bank_rows((DEFAULT_SEEDS / "posting_account_mappings.csv").read_text(encoding="utf-8"))


def _currency(bank_account: str) -> str:
    """``BOC-USD-01`` -> ``USD``."""
    return bank_account.split("-")[1]


def test_every_currency_of_the_simulator_has_a_bank_row():
    """A row per currency and bank account of the simulated orgs (three accounts per currency)."""
    assert {_currency(k) for k, _ in DEFAULT_ROWS} == set(BANK_BY_CURRENCY)
    assert len(DEFAULT_ROWS) == 3 * len(BANK_BY_CURRENCY)


@pytest.mark.parametrize(("bank_account", "account"), DEFAULT_ROWS + _bank_rows("h\n" + BANKS))
def test_bank_row_maps_to_its_currencys_sub_account(bank_account: str, account: str):
    """The sub-account is the one the simulator's GL books that currency at, and the chart names
    it as that currency's account (美元户 for USD)."""
    currency = _currency(bank_account)
    assert account == BANK_BY_CURRENCY[currency][1], (bank_account, account)
    names = {code: name for code, name, *_ in CHART_OF_ACCOUNTS}
    word = {"CNY": "人民币", "USD": "美元", "EUR": "欧元"}[currency]
    assert word in names[account], (bank_account, account, names[account])


#: dbt unit tests read these copies of the seeds (dbt_project/tests/fixtures): the limit cases
#: there (an imbalance of exactly rounding_max, a pair at the date window's edge ...) test the
#: production limits only while the copies equal the seeds.
UNIT_TEST_FIXTURES = sorted((DEFAULT_SEEDS.parent / "tests" / "fixtures").glob("*.csv"))


@pytest.mark.parametrize("fixture", UNIT_TEST_FIXTURES, ids=lambda p: p.name)
def test_dbt_unit_test_fixtures_are_the_production_seeds(fixture):
    seed = DEFAULT_SEEDS / fixture.name
    assert fixture.read_text(encoding="utf-8") == seed.read_text(encoding="utf-8"), (
        f"{seed} and its unit-test copy {fixture} differ: change both (and the unit tests' limit cases)"
    )
