"""`seed_demo` gives every demo login living fund and aid pages, through the real services, idempotently."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from cases.management.commands.seed_demo import DEMO_USERS
from funds.models import AidRequest, Fund, FundBalance, LedgerTransaction, TransactionKind
from funds.selectors import approval_queue_for_user
from funds.workflow import AidStatus
from org.models import Role

from .helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_seed_demo_funds_and_aid_are_idempotent_and_every_login_has_something_to_see(client):
    out = io.StringIO()
    call_command("seed_demo", files=60, stdout=out)
    before = (Fund.objects.count(), LedgerTransaction.objects.count(), AidRequest.objects.count())
    call_command("seed_demo", files=60, stdout=out)
    assert (Fund.objects.count(), LedgerTransaction.objects.count(), AidRequest.objects.count()) == before
    assert "aid requests created" in out.getvalue()

    federation_fund = Fund.objects.get(unit__parent=None, kind__code="special")
    assert federation_fund.fiscal_years.get().budget > 0
    assert (
        LedgerTransaction.objects.filter(kind=TransactionKind.TRANSFER).count() == 11
    )  # to 3 branches and their 8 groups
    statuses = set(AidRequest.objects.values_list("status", flat=True))
    assert {AidStatus.PAID, AidStatus.IN_APPROVAL} <= statuses
    assert all(b.available >= 0 for b in FundBalance.objects.all())
    assert_ledger_consistent()

    users = get_user_model().objects.in_bulk(field_name="username")
    assert approval_queue_for_user(user=users["chair"]).exists()
    for username, _name, role, _where in DEMO_USERS:
        if role == Role.ADMINISTRATOR:
            continue
        client.force_login(users[username])
        funds_page = client.get(reverse("funds:fund_list"))
        assert funds_page.status_code == 200 and funds_page.context["funds"], username
        aid_page = client.get(reverse("funds:aid_list"))
        assert aid_page.status_code == 200, username
        if username in ("cadre", "cadre3", "cadre4", "chair", "chair2", "chair3", "federation"):
            assert aid_page.context["page"].items, username
