"""Annual review pages: the review form, my reviews, overdue per unit; scope, bad input and query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import AssistancePlan, HardshipFile, PlanHelper
from cases.review_models import AnnualReview
from cases.workflow import FileStatus
from tests.factories import HardshipFileFactory

from .test_lifecycle import filed_file
from .test_query_counts import count_queries

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def review_post(hfile, **overrides) -> dict:
    cause = hfile.primary_cause
    data = {
        "card-worker_income": "1500.00",
        "card-other_income": "300.00",
        "card-annual_income": "",
        "card-medical_costs": "0",
        "card-schooling_costs": "0",
        "card-disaster_losses": "0",
        "card-hardship_costs": "0",
        "card-causes": [cause.pk],
        "card-primary_cause": cause.pk,
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "20",
        "reviewed_on": TODAY().isoformat(),
        "outcome": "keep",
        "note": "复核：收入无变化",
    }
    data.update(overrides)
    return data


def test_a_cadre_records_a_review_from_the_form(client_for, cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    client = client_for(cadre)
    page = client.get(reverse("cases:review_create", args=[hfile.pk])).content.decode()
    assert "Propose relief" in page and "Basis for relief" in page
    data = review_post(hfile)
    spouse = hfile.members.get()
    data.update({"members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "1", "members-0-id": spouse.pk})
    data.update({f"members-0-{k}": v for k, v in [("relation", "spouse"), ("name", spouse.name), ("age", 45)]})
    data.update({"members-0-health": "serious", "members-0-schooling": "none", "members-0-monthly_income": "600.00"})
    response = client.post(reverse("cases:review_create", args=[hfile.pk]), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    review = AnnualReview.objects.get()
    assert (review.outcome, review.reviewed_by) == ("keep", cadre)
    assert HardshipFile.objects.get(pk=hfile.pk).review_due_on > TODAY()


def test_a_review_without_required_fields_says_so_and_saves_nothing(client_for, cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    data = review_post(hfile, outcome="", note="", **{"card-worker_income": "", "card-causes": []})
    response = client_for(cadre).post(reverse("cases:review_create", args=[hfile.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("This field is required") >= 4
    assert not AnnualReview.objects.exists()


def test_propose_relief_without_a_basis_says_so(client_for, cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    data = review_post(hfile, outcome="propose_relief")
    response = client_for(cadre).post(reverse("cases:review_create", args=[hfile.pk]), data)
    assert "Choose the basis of the proposal" in response.content.decode()
    assert not AnnualReview.objects.exists()


def test_a_negative_cost_is_refused(client_for, cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    data = review_post(hfile, **{"card-medical_costs": "-5"})
    response = client_for(cadre).post(reverse("cases:review_create", args=[hfile.pk]), data)
    assert response.status_code == 200
    assert not AnnualReview.objects.exists()


def test_out_of_scope_users_cannot_open_or_post_a_review(client_for, cadre_other_branch, chair_other_branch, group_a1):
    hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED)
    url = reverse("cases:review_create", args=[hfile.pk])
    for user in (cadre_other_branch, chair_other_branch):
        client = client_for(user)
        assert client.get(url).status_code == 404
        assert client.post(url, review_post(hfile)).status_code == 404
    assert not AnnualReview.objects.exists()


def _due(unit, helper, days: int, name: str):
    hfile = HardshipFileFactory(
        unit=unit, status=FileStatus.FILED, review_due_on=TODAY() + dt.timedelta(days=days), name=name
    )
    plan = AssistancePlan.objects.create(file=hfile, goal="目标")
    PlanHelper.objects.create(plan=plan, user=helper)
    return hfile


def test_my_reviews_lists_the_households_i_help(client_for, cadre, cadre_a2, group_a1, group_a2):
    _due(group_a1, cadre, 5, "王待审")
    _due(group_a2, cadre_a2, 5, "李别组")
    page = client_for(cadre, "zh-hans").get(reverse("cases:review_list")).content.decode()
    assert "王待审" in page and "李别组" not in page
    assert 'id="review-count">1<' in page
    assert "我的年审" in page


def test_overdue_reviews_stay_in_scope(client_for, branch_chair, chair_other_branch, cadre, group_a1):
    _due(group_a1, cadre, -5, "赵逾期")
    assert "赵逾期" in client_for(branch_chair).get(reverse("cases:review_overdue")).content.decode()
    other = client_for(chair_other_branch)
    page = other.get(reverse("cases:review_overdue"), {"unit": group_a1.pk}).content.decode()
    assert "赵逾期" not in page and "Group A1" not in page


@pytest.mark.parametrize("name", ["cases:review_list", "cases:review_overdue"])
def test_review_lists_cost_the_same_for_few_or_many(client_for, federation_staff, cadre, group_a1, group_a2, name):
    client = client_for(federation_staff)
    url = reverse(name)
    params = {"all": "1"}
    for i in range(2):
        _due(group_a1, cadre, -i - 1, f"甲{i}")
    few = count_queries(client, url, **params)
    for i in range(30):
        _due(group_a2 if i % 2 else group_a1, cadre, -i - 1, f"乙{i}")
    assert count_queries(client, url, **params) == few <= 6
