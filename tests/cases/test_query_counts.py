"""Pages cost a fixed number of queries whatever the page size or household size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import AssistancePlan, MeasureHeading, PlanHelper, PlanMeasure
from cases.workflow import FileStatus
from tests.factories import HardshipFileFactory, MemberFactory

pytestmark = pytest.mark.django_db

LIST_MAX = 6
# 12, and the relief panel of a filed file: its recent figures with their standards, and a waiting proposal;
# and the access-log row the page writes.
FILE_PAGE_MAX = 15


def count_queries(client, url, **params) -> int:
    client.get(url, params)  # warm the scope and configuration caches, as in steady state
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx)


def no_unfiltered_count(ctx) -> bool:
    return not any("COUNT(" in q["sql"].upper() and " WHERE " not in q["sql"].upper() for q in ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"status": "filed", "sort": "name"}, {"q": "王"}, {"sort": "-income"}])
def test_list_queries_do_not_grow_with_the_page(client_for, branch_chair, group_a1, params):
    client = client_for(branch_chair)
    url = reverse("cases:file_list")
    HardshipFileFactory.create_batch(2, unit=group_a1, status=FileStatus.FILED, name="王甲")
    few = count_queries(client, url, **params)
    HardshipFileFactory.create_batch(30, unit=group_a1, status=FileStatus.FILED, name="王乙")
    many = count_queries(client, url, **params)
    assert few == many <= LIST_MAX


def test_deep_page_costs_what_the_first_costs(client_for, branch_chair, group_a1):
    files = HardshipFileFactory.create_batch(40, unit=group_a1)
    client = client_for(branch_chair)
    url = reverse("cases:file_list")
    first = count_queries(client, url)
    deep = count_queries(client, url, after=files[5].pk)
    assert deep == first <= LIST_MAX


def test_list_runs_no_unfiltered_count(client_for, federation_staff, group_a1):
    HardshipFileFactory.create_batch(5, unit=group_a1)
    client = client_for(federation_staff)
    for url in (reverse("cases:file_list"), reverse("dashboard")):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        assert no_unfiltered_count(ctx), url


def _full_file(unit, helpers, members: int):
    hfile = HardshipFileFactory(unit=unit, status=FileStatus.FILED)
    MemberFactory.create_batch(members, file=hfile)
    plan = AssistancePlan.objects.create(file=hfile, goal="目标")
    for heading in MeasureHeading.objects.all()[:members]:
        PlanMeasure.objects.create(plan=plan, heading=heading, description="措施")
    for user in helpers:
        PlanHelper.objects.create(plan=plan, user=user)
    return hfile


def test_file_page_queries_do_not_grow_with_the_household(client_for, branch_chair, cadre, group_a1):
    client = client_for(branch_chair)
    small = _full_file(group_a1, [cadre], members=1)
    large = _full_file(group_a1, [cadre, branch_chair], members=5)
    assert count_queries(client, small.get_absolute_url()) == count_queries(client, large.get_absolute_url())
    assert count_queries(client, large.get_absolute_url()) <= FILE_PAGE_MAX


def test_dashboard_queries_are_constant(client_for, federation_staff, group_a1, group_b1):
    client = client_for(federation_staff)
    HardshipFileFactory(unit=group_a1)
    few = count_queries(client, reverse("dashboard"))
    HardshipFileFactory.create_batch(10, unit=group_b1, status=FileStatus.FILED)
    assert count_queries(client, reverse("dashboard")) == few <= 6
