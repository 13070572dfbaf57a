"""Many approvals and payments against one fund at once: it never pays more than it holds.

On PostgreSQL each thread has its own connection and the balance row lock
serialises them. On SQLite (the embedded default) write transactions take the
database lock up front (transaction_mode IMMEDIATE) and wait for each other.
The in-memory test database cannot host that race: its shared-cache mode
answers "database table is locked" at once instead of waiting, which is not how
the product's on-disk database behaves. So the SQLite race runs, with fewer
threads, on a migrated on-disk database in a temporary directory.
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections

from funds.models import Account, Entry, FundBalance, LedgerTransaction, TransactionKind
from funds.services import LedgerError, fund_disburse, fund_reserve
from hardship.money import MoneySum
from org.models import Role, UnitKind
from tests.concurrency import race
from tests.factories import UnitFactory, UserFactory, funded

from .helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AID = Decimal("90.00")


def _approve_and_pay(fund, by, i: int):
    """One aid request: reserve, then pay twice (a double click) with the same key."""
    fund_reserve(fund=fund, amount=AID, by=by, idempotency_key=f"approve-{i}")
    paid = fund_disburse(fund=fund, amount=AID, by=by, idempotency_key=f"pay-{i}")
    again = fund_disburse(fund=fund, amount=AID, by=by, idempotency_key=f"pay-{i}")
    assert again.pk == paid.pk
    return paid


def _run(threads: int, held: Decimal, federation, federation_staff) -> None:
    fund = funded(federation, held, by=federation_staff)
    results = race(threads, lambda i: _approve_and_pay(fund, federation_staff, i))

    paid = [r for r in results if isinstance(r, LedgerTransaction)]
    refused = [r for r in results if isinstance(r, LedgerError)]
    assert len(paid) + len(refused) == threads, results  # nothing else went wrong, nothing lost
    assert len(paid) == int(held // AID) < threads
    assert all("available" in r.messages[0] for r in refused)

    paid_out = Entry.objects.filter(fund=fund, account=Account.PAID_OUT).aggregate(s=MoneySum("amount"))["s"]
    assert paid_out == AID * len(paid) <= held
    kinds = Counter(LedgerTransaction.objects.values_list("kind", flat=True))
    assert kinds[TransactionKind.DISBURSEMENT] == kinds[TransactionKind.RESERVATION] == len(paid)
    keys = list(LedgerTransaction.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
    balance = FundBalance.objects.get(fund=fund)
    assert (balance.available, balance.reserved) == (held - paid_out, Decimal("0"))
    assert_ledger_consistent()


@pytest.mark.postgres
def test_twenty_four_concurrent_approvals_and_payments_on_postgres(federation, federation_staff):
    _run(24, Decimal("1000.00"), federation, federation_staff)  # 11 are paid, 13 refused


def in_thread(work) -> None:
    """Run `work` in a new thread, which opens its own connection, and re-raise what it raised."""
    (result,) = race(1, lambda _i: work())
    if isinstance(result, BaseException):
        raise result


@pytest.fixture
def on_disk_sqlite(tmp_path):
    """Point new connections at a migrated SQLite file for the duration of the test."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant of the race; PostgreSQL runs the 24-thread one")
    settings_dict = connections.settings["default"]  # shared by every thread's new connection
    memory_name = settings_dict["NAME"]
    settings_dict["NAME"] = str(tmp_path / "race.sqlite3")
    try:
        in_thread(lambda: call_command("migrate", verbosity=0))
        yield
    finally:
        settings_dict["NAME"] = memory_name


def test_concurrent_approvals_and_payments_on_sqlite(on_disk_sqlite):
    def scenario() -> None:
        federation = UnitFactory(kind=UnitKind.FEDERATION)
        staff = UserFactory(roles=[(federation, Role.FEDERATION_STAFF)])
        assert connections["default"].settings_dict["NAME"].endswith("race.sqlite3")
        _run(4, Decimal("225.00"), federation, staff)  # 2 are paid, 2 refused

    in_thread(scenario)
