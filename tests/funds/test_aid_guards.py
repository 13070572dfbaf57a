"""Who may receive an aid type (file status, tier) and the duplicate-aid guard (invoices, occasions, levels)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from cases.models import Tier
from cases.workflow import FileStatus
from funds.models import AidInvoice, AidRequest
from funds.services import aid_request_create, aid_request_decide, aid_request_submit, aid_request_update, occasion_key
from funds.workflow import AidStatus
from org.models import Role
from tests.factories import HardshipFileFactory, UserFactory, funded

from .helpers import aid_type, complete_evidence, filed_household, ledger_snapshot, medical

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def fund(group_a1):
    return funded(group_a1, "10000.00")


@pytest.fixture
def federation_fund(federation):
    return funded(federation, "10000.00", name="federation fund")


@pytest.fixture
def federation_cadre(federation):
    """A cadre of the federation itself: requests aid from the federation's funds."""
    return UserFactory(roles=[(federation, Role.CADRE)])


@pytest.fixture
def household(group_a1):
    return filed_household(group_a1)


def living(fund, amount: str = "2000.00", **kw):
    data = medical(fund, amount, invoices=())
    data.aid_type = aid_type("living")
    for name, value in kw.items():
        setattr(data, name, value)
    return data


# Eligibility: file status and tier.


def test_closed_household_gets_nothing_not_even_temporary_relief(group_a1, fund, cadre):
    closed = HardshipFileFactory(unit=group_a1, status=FileStatus.CLOSED)
    data = living(fund, "1000.00")
    data.aid_type = aid_type("temporary")
    with pytest.raises(ValidationError, match="only for filed"):
        aid_request_create(hfile=closed, data=data, by=cadre)
    assert not AidRequest.objects.exists()


def test_type_limited_to_tiers_refuses_other_tiers_on_create_and_on_submit(household, fund, cadre):
    deep, general = Tier.objects.get(code="deep"), Tier.objects.get(code="general")
    living_type = aid_type("living")
    living_type.tiers.set([deep])
    type(household).objects.filter(pk=household.pk).update(tier=general)
    household.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        aid_request_create(hfile=household, data=living(fund), by=cadre)
    assert "only for households of the tiers" in exc.value.message_dict["aid_type"][0]
    assert not AidRequest.objects.exists()
    type(household).objects.filter(pk=household.pk).update(tier=deep)
    household.refresh_from_db()
    request = aid_request_create(hfile=household, data=living(fund), by=cadre)
    type(household).objects.filter(pk=household.pk).update(tier=general)  # the tier changed before submission
    with pytest.raises(ValidationError, match="only for households of the tiers"):
        aid_request_submit(request=request, by=cadre)
    assert AidRequest.objects.get().status == AidStatus.DRAFT


def test_household_without_a_tier_is_refused_a_tier_limited_type(household, fund, cadre):
    aid_type("living").tiers.set([Tier.objects.get(code="deep")])
    type(household).objects.filter(pk=household.pk).update(tier=None)
    household.refresh_from_db()
    with pytest.raises(ValidationError, match="without a tier"):
        aid_request_create(hfile=household, data=living(fund), by=cadre)


def test_type_without_tiers_reaches_every_tier(household, fund, cadre):
    type(household).objects.filter(pk=household.pk).update(tier=Tier.objects.get(code="general"))
    household.refresh_from_db()
    assert aid_request_create(hfile=household, data=living(fund), by=cadre).pk


# Invoice numbers: once per federation, whatever the level, the status or the spelling of the case.


def test_invoice_of_a_rejected_request_stays_claimed(household, fund, cadre, branch_chair):
    request = aid_request_create(hfile=household, data=medical(fund, invoices=["H-9"]), by=cadre)
    complete_evidence(request, cadre)
    request = aid_request_submit(request=request, by=cadre)
    aid_request_decide(request=request, action="reject", by=branch_chair, comment="no")
    before = ledger_snapshot()
    with pytest.raises(ValidationError, match="H-9"):
        aid_request_create(hfile=household, data=medical(fund, invoices=[" h-9 "]), by=cadre)
    assert AidRequest.objects.count() == 1 and AidInvoice.objects.count() == 1
    assert ledger_snapshot() == before


def test_invoice_claimed_at_the_branch_cannot_be_claimed_again_from_the_federation_fund(
    household, fund, federation_fund, cadre, federation_cadre
):
    aid_request_create(hfile=household, data=medical(fund, invoices=["H-1"]), by=cadre)
    with pytest.raises(ValidationError) as exc:
        aid_request_create(hfile=household, data=medical(federation_fund, invoices=["H-1"]), by=federation_cadre)
    assert "Already claimed in the federation: H-1." in exc.value.message_dict["invoice_numbers"]
    assert AidRequest.objects.count() == 1


# The same household, type and occasion from two levels of the tree.


def test_occasion_key_ignores_case_spaces_and_punctuation():
    assert occasion_key(" 2026 Flood. ") == occasion_key("2026  flood") == "2026flood"
    assert occasion_key("２０２６年 洪水！") == occasion_key("2026年洪水")


def test_second_level_duplicate_without_justification_is_refused(
    household, fund, federation_fund, cadre, federation_cadre
):
    first = aid_request_create(hfile=household, data=living(fund, occasion="2026 flood"), by=cadre)
    before = ledger_snapshot()
    with pytest.raises(ValidationError) as exc:
        aid_request_create(hfile=household, data=living(federation_fund, occasion="2026 Flood."), by=federation_cadre)
    message = exc.value.message_dict["duplicate_reason"][0]
    assert f"no. {first.pk}" in message and str(fund) in message and str(fund.unit) in message
    assert AidRequest.objects.count() == 1
    assert ledger_snapshot() == before


def test_justified_override_is_recorded_and_shown_to_approvers(
    client_for, household, fund, federation_fund, cadre, federation_cadre
):
    first = aid_request_create(hfile=household, data=living(fund, occasion="2026 flood"), by=cadre)
    reason = "The house was lost; the branch fund paid only the first month."
    second = aid_request_create(
        hfile=household, data=living(federation_fund, occasion="2026 flood", duplicate_reason=reason),
        by=federation_cadre,
    )  # fmt: skip
    assert second.duplicate_reason == reason and second.occasion_key == first.occasion_key
    page = client_for(federation_cadre).get(second.get_absolute_url()).content.decode()
    assert reason in page and first.get_absolute_url() in page
    first_page = client_for(federation_cadre).get(first.get_absolute_url()).content.decode()
    assert second.get_absolute_url() in first_page  # the first request's approvers learn of the second


def test_a_reason_without_a_duplicate_is_not_kept(household, fund, cadre):
    request = aid_request_create(
        hfile=household, data=living(fund, occasion="flood", duplicate_reason="just in case"), by=cadre
    )
    assert request.duplicate_reason == ""


def test_rejected_request_does_not_block_and_other_types_or_occasions_are_free(
    household, fund, federation_fund, cadre, branch_chair, federation_cadre
):
    first = aid_request_create(hfile=household, data=living(fund, occasion="flood"), by=cadre)
    complete_evidence(first, cadre)
    first = aid_request_submit(request=first, by=cadre)
    aid_request_create(hfile=household, data=living(federation_fund, occasion="fire"), by=federation_cadre)
    other_type = living(federation_fund, "1000.00", occasion="flood")
    other_type.aid_type = aid_type("temporary")
    aid_request_create(hfile=household, data=other_type, by=federation_cadre)
    aid_request_decide(request=first, action="reject", by=branch_chair, comment="asked the federation")
    assert aid_request_create(hfile=household, data=living(federation_fund, occasion="flood"), by=federation_cadre)


def test_disaster_relief_is_guarded_by_its_event_when_no_occasion_is_named(
    household, fund, federation_fund, cadre, federation_cadre
):
    data = living(fund, "3000.00", event="Fire at block 7")
    data.aid_type = aid_type("disaster")
    aid_request_create(hfile=household, data=data, by=cadre)
    data.fund = federation_fund
    data.event = "fire at Block 7"
    with pytest.raises(ValidationError, match="already has"):
        aid_request_create(hfile=household, data=data, by=federation_cadre)


def test_duplicate_appearing_before_submission_is_caught_at_submission(
    household, fund, federation_fund, cadre, federation_cadre
):
    first = aid_request_create(hfile=household, data=living(fund), by=cadre)
    aid_request_create(hfile=household, data=living(federation_fund, occasion="flood"), by=federation_cadre)
    first = aid_request_update(request=first, data=living(fund, occasion="flood", duplicate_reason="x"), by=cadre)
    assert first.duplicate_reason == "x"
    complete_evidence(first, cadre)
    assert aid_request_submit(request=first, by=cadre).status == AidStatus.IN_APPROVAL


def test_duplicate_on_the_form_shows_the_message_and_saves_nothing(
    client_for, household, fund, federation_fund, cadre, federation_cadre
):
    aid_request_create(hfile=household, data=living(fund, occasion="flood"), by=cadre)
    form = {"aid_type": aid_type("living").pk, "fund": federation_fund.pk, "requested_amount": "2000.00",
            "occasion": "Flood"}  # fmt: skip
    response = client_for(federation_cadre).post(reverse("funds:aid_create") + f"?file={household.pk}", form)
    assert response.status_code == 200
    assert "already has" in response.context["form"].errors["duplicate_reason"][0]
    assert AidRequest.objects.count() == 1
    with translation.override("en"):  # the page switches the thread's language; put it back afterwards
        chinese = client_for(federation_cadre, "zh-hans").post(
            reverse("funds:aid_create") + f"?file={household.pk}", form
        )
    assert "此次" in chinese.context["form"].errors["duplicate_reason"][0]


def test_request_page_costs_the_same_queries_whatever_the_number_of_duplicates(
    client_for, household, fund, federation_fund, cadre, federation_cadre
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = aid_request_create(hfile=household, data=living(fund, occasion="flood"), by=cadre)
    second = aid_request_create(
        hfile=household, data=living(federation_fund, occasion="flood", duplicate_reason="more"), by=federation_cadre
    )
    client = client_for(federation_cadre)

    def queries() -> int:
        client.get(first.get_absolute_url())
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(first.get_absolute_url()).status_code == 200
        return len(ctx)

    one = queries()
    for _n in range(3):
        data = living(federation_fund, occasion="Flood", duplicate_reason="again")
        aid_request_create(hfile=household, data=data, by=federation_cadre)
    assert queries() == one
    assert len(client.get(first.get_absolute_url()).context["duplicates"]) == 4
    assert second.pk
