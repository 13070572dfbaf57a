"""The relief panel on the file page, the proposal and decision pages: plain words, scoped, bad inputs refused."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from cases.models import HardshipFile
from cases.relief import income_observe
from cases.relief_models import ProposalStatus, ReliefProposal
from cases.workflow import FileStatus

from .test_lifecycle import filed_file
from .test_relief import kunming, months_back  # noqa: F401 - the Kunming standards fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def june():
    with time_machine.travel(dt.datetime(2026, 6, 15, 10, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def filed(cadre, branch_chair, group_a1, kunming):  # noqa: F811
    with time_machine.travel(dt.datetime(2025, 11, 20, 10, tzinfo=dt.UTC)):
        return filed_file(cadre, branch_chair, group_a1)


@pytest.fixture
def meeting(filed, cadre, june):
    """Six months above the standard: 1500 for two members is 750 a month each, against 660."""
    for month in months_back(6):
        income_observe(hfile=filed, by=cadre, month=month, household_income=Decimal("1500"))
    return filed


def test_the_file_page_says_why_the_household_meets_the_rule(client_for, cadre, meeting):
    page = client_for(cadre).get(meeting.get_absolute_url()).content.decode()
    assert "Meets the relief rule" in page
    assert "in each of the 6 months from 2026-01 to 2026-06" in page
    assert reverse("cases:relief_propose", args=[meeting.pk]) in page


def test_the_file_page_says_why_not_in_chinese(client_for, cadre, filed, june):
    income_observe(hfile=filed, by=cadre, month=dt.date(2026, 6, 1), household_income=Decimal("1500"))
    page = client_for(cadre, "zh-hans").get(filed.get_absolute_url()).content.decode()
    assert "尚未达到脱困标准" in page and "2026-05 没有记录收入数据" in page
    assert reverse("cases:relief_propose", args=[filed.pk]) not in page


def test_propose_then_confirm_through_the_pages(client_for, cadre, branch_chair, meeting):
    response = client_for(cadre).post(
        reverse("cases:relief_propose", args=[meeting.pk]), {"basis": "above_standard", "note": "再就业"}
    )
    assert response.status_code == 302
    assert ReliefProposal.objects.get().status == ProposalStatus.PENDING
    chair = client_for(branch_chair)
    assert "Relief proposed by" in chair.get(meeting.get_absolute_url()).content.decode()
    response = chair.post(reverse("cases:relief_decide", args=[meeting.pk]), {"decision": "confirm", "note": ""})
    assert response.status_code == 302
    hfile = HardshipFile.objects.get(pk=meeting.pk)
    assert hfile.status == FileStatus.RELIEVED
    page = chair.get(meeting.get_absolute_url()).content.decode()
    assert "In the transition period" in page and "every 6 months" in page


def test_a_basis_that_does_not_hold_is_not_offered(client_for, cadre, meeting):
    # The plan's goals are not met: only the standard basis is a choice; posting the other changes nothing.
    response = client_for(cadre).post(reverse("cases:relief_propose", args=[meeting.pk]), {"basis": "plan_goals_met"})
    assert response.status_code == 200 and "basis" in response.context["form"].errors
    assert not ReliefProposal.objects.exists()


def test_a_rejection_without_a_reason_is_refused(client_for, cadre, branch_chair, meeting):
    client_for(cadre).post(reverse("cases:relief_propose", args=[meeting.pk]), {"basis": "above_standard"})
    response = client_for(branch_chair).post(
        reverse("cases:relief_decide", args=[meeting.pk]), {"decision": "reject", "note": ""}
    )
    assert response.status_code == 200 and "note" in response.context["form"].errors
    assert ReliefProposal.objects.get().status == ProposalStatus.PENDING


def test_a_cadre_cannot_open_the_decision(client_for, cadre, meeting):
    client_for(cadre).post(reverse("cases:relief_propose", args=[meeting.pk]), {"basis": "above_standard"})
    response = client_for(cadre).post(reverse("cases:relief_decide", args=[meeting.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    assert HardshipFile.objects.get(pk=meeting.pk).status == FileStatus.FILED


@pytest.mark.parametrize("name", ["relief_propose", "relief_decide"])
def test_out_of_scope_users_get_404_and_change_nothing(
    client_for, cadre_other_branch, chair_other_branch, meeting, name
):
    url = reverse(f"cases:{name}", args=[meeting.pk])
    for outsider in (cadre_other_branch, chair_other_branch):
        assert client_for(outsider).get(url).status_code == 404
        assert client_for(outsider).post(url, {"basis": "above_standard", "decision": "confirm"}).status_code == 404
    assert not ReliefProposal.objects.exists()
    assert HardshipFile.objects.get(pk=meeting.pk).status == FileStatus.FILED


def test_a_visit_with_the_months_income_records_the_figure(client_for, cadre, filed, june):
    from cases.relief_models import IncomeObservation

    response = client_for(cadre).post(
        reverse("visits:visit_create", args=[filed.pk]),
        {
            "visited_on": "2026-06-10", "kind": "monthly", "outcome": "improved", "visitors": [cadre.pk],
            "condolence_money": "0", "household_income": "1600",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    row = IncomeObservation.objects.get(file=filed, month=dt.date(2026, 6, 1))
    assert row.source == "visit" and row.per_capita == Decimal("800.00") and row.month == dt.date(2026, 6, 1)


def test_a_negative_income_on_the_visit_form_is_refused(client_for, cadre, filed, june):
    from visits.models import Visit

    response = client_for(cadre).post(
        reverse("visits:visit_create", args=[filed.pk]),
        {
            "visited_on": "2026-06-10", "kind": "monthly", "outcome": "improved", "visitors": [cadre.pk],
            "condolence_money": "0", "household_income": "-5",
        },
    )  # fmt: skip
    assert response.status_code == 200 and "household_income" in response.context["form"].errors
    assert not Visit.objects.exists()
