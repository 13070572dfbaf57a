"""Property: any sequence of ledger operations keeps every fund's balance equal to its entries and never negative."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funds.models import LedgerTransaction
from funds.services import (
    LedgerError,
    fund_allocate,
    fund_disburse,
    fund_release,
    fund_reserve,
    fund_transfer,
    transaction_reverse,
)
from tests.factories import FundFactory

from .helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db

amounts = st.decimals(min_value=Decimal("-10"), max_value=Decimal("3000"), places=2)
operations = st.lists(
    st.tuples(
        st.sampled_from(["allocate", "transfer", "reserve", "release", "disburse", "reverse"]),
        st.integers(min_value=0, max_value=2),  # which fund (0: federation, 1: branch, 2: group)
        st.integers(min_value=0, max_value=2),  # the other fund, for transfers
        amounts,
        st.integers(min_value=0, max_value=5),  # the key: repeats model retries
    ),
    max_size=25,
)


class Rollback(Exception):
    pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_operations_keeps_the_books(ops, federation, branch_a, group_a1, federation_staff):
    try:
        with transaction.atomic():
            funds = [FundFactory(unit=unit) for unit in (federation, branch_a, group_a1)]
            for step, (op, i, j, amount, key) in enumerate(ops):
                _apply(op, funds[i], funds[j], amount, f"{op}-{i}-{key}", federation_staff, step)
                assert_ledger_consistent()
            raise Rollback
    except Rollback:
        pass


def _apply(op, fund, other, amount, key, by, step) -> None:
    try:
        if op == "allocate":
            fund_allocate(fund=fund, amount=amount, source="finance", by=by, idempotency_key=key)
        elif op == "transfer":
            fund_transfer(source=fund, target=other, amount=amount, by=by, idempotency_key=key)
        elif op == "reverse":
            txn = LedgerTransaction.objects.order_by("-pk")[step % 3 : step % 3 + 1].first()
            if txn:
                transaction_reverse(txn=txn, by=by, reason="property")
        else:
            service = {"reserve": fund_reserve, "release": fund_release, "disburse": fund_disburse}[op]
            service(fund=fund, amount=amount, by=by, idempotency_key=key)
    except (LedgerError, PermissionDenied):
        pass
