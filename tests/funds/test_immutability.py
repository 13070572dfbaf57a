"""Ledger rows are append-only: the model layer refuses changes, and so does PostgreSQL itself."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from funds.models import Entry, LedgerRowChanged, LedgerTransaction
from tests.factories import funded

pytestmark = pytest.mark.django_db


@pytest.fixture
def txn(federation):
    funded(federation, "100")
    return LedgerTransaction.objects.get()


def test_saving_a_recorded_transaction_is_refused(txn):
    txn.memo = "edited"
    with pytest.raises(LedgerRowChanged):
        txn.save()
    assert LedgerTransaction.objects.get().memo == ""


def test_saving_a_recorded_entry_is_refused(txn):
    entry = txn.entries.first()
    entry.amount = Decimal("1")
    with pytest.raises(LedgerRowChanged):
        entry.save()


@pytest.mark.parametrize("model", [LedgerTransaction, Entry])
def test_deleting_ledger_rows_is_refused(txn, model):
    with pytest.raises(LedgerRowChanged):
        model.objects.first().delete()
    with pytest.raises(LedgerRowChanged):
        model.objects.all().delete()
    assert model.objects.exists()


def test_queryset_update_is_refused(txn):
    with pytest.raises(LedgerRowChanged):
        Entry.objects.all().update(amount=Decimal("5"))
    with pytest.raises(LedgerRowChanged):
        LedgerTransaction.objects.update(memo="x")
    with pytest.raises(LedgerRowChanged):
        Entry.objects.bulk_update(list(Entry.objects.all()), ["amount"])


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE funds_entry SET amount = 1",
        "DELETE FROM funds_entry",
        "UPDATE funds_ledgertransaction SET memo = 'x'",
        "DELETE FROM funds_ledgertransaction",
    ],
)
def test_postgres_trigger_refuses_update_and_delete(txn, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert Entry.objects.count() == 2
    assert set(Entry.objects.values_list("amount", flat=True)) == {Decimal("100.00"), Decimal("-100.00")}


@pytest.mark.postgres
def test_postgres_refuses_a_negative_balance(txn):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE funds_fundbalance SET available = -1")
