"""Compliance on the dashboard: this month and last, for the user's units only, linking to the compliance page."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.cases.test_query_counts import count_queries
from tests.factories import VisitFactory

from .conftest import filed_file

pytestmark = pytest.mark.django_db


def card(client) -> dict:
    """Unit name -> [(made, required) this month, (made, required) last month], as the dashboard shows them."""
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="compliance-card"' in html
    assert f'href="{reverse("visits:compliance")}?month=2026-02"' in html
    return {unit.name: [(row.made, row.required) for row in unit.months] for unit in response.context["units"]}


def test_a_cadre_sees_the_compliance_of_their_group_this_month_and_last(client_for, filed, group_a1, cadre):
    # Filed in January: owed a visit in February and in March; visited in February only.
    VisitFactory(file=filed, visited_on=dt.date(2026, 2, 10))
    visited_both = filed_file(group_a1)
    VisitFactory(file=visited_both, visited_on=dt.date(2026, 2, 3))
    VisitFactory(file=visited_both, visited_on=dt.date(2026, 3, 3))
    # The Spring Festival 2026 window closes in February: one more visit owed per household then.
    assert card(client_for(cadre)) == {"Group A1": [(1, 2), (2, 4)]}


def test_out_of_scope_units_are_neither_listed_nor_counted(
    client_for, filed, group_a2, group_b1, cadre_a2, branch_chair, chair_other_branch
):
    VisitFactory(file=filed, visited_on=dt.date(2026, 3, 5))
    filed_file(group_a2)
    VisitFactory(file=filed_file(group_b1), visited_on=dt.date(2026, 3, 6))
    assert card(client_for(cadre_a2)) == {"Group A2": [(0, 1), (0, 2)]}
    assert card(client_for(chair_other_branch)) == {"Branch B": [(1, 1), (0, 2)], "Group B1": [(1, 1), (0, 2)]}
    chair = card(client_for(branch_chair))
    assert chair["Branch A"] == [(1, 2), (0, 4)]
    assert chair["Group A1"] == [(1, 1), (0, 2)] and chair["Group A2"] == [(0, 1), (0, 2)]


def test_a_user_without_a_role_gets_no_compliance_card(client_for, frozen, nobody):
    html = client_for(nobody).get(reverse("dashboard")).content.decode()
    assert 'id="compliance-card"' not in html


def test_the_dashboard_costs_the_same_queries_for_more_units_and_households(
    client_for, frozen, federation_staff, group_a1, group_a2, group_b1
):
    client = client_for(federation_staff)
    filed_file(group_a1)
    few = count_queries(client, reverse("dashboard"))
    for unit in (group_a1, group_a2, group_b1) * 4:
        VisitFactory(file=filed_file(unit), visited_on=dt.date(2026, 3, 2))
    assert count_queries(client, reverse("dashboard")) == few <= 6
