"""The dashboard per role, its scoping, the data-quality table against the lists behind it, and its queries."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.selectors import CADRE, CHAIR, FEDERATION
from org.models import Role
from tests.factories import UserFactory

from .conftest import populate

pytestmark = pytest.mark.django_db

CHECKS = ["stale", "never_aided", "no_helper", "review_overdue", "tier_disagrees", "missing_evidence"]


def board(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.context["board"]


def quality(board) -> dict[str, dict[str, int]]:
    """Row name -> check code -> count, as the table shows them."""
    codes = [c.code for c in board.quality_columns]
    return {row.name: dict(zip(codes, (cell.count for cell in row.cells), strict=True)) for row in board.quality_rows}


def expected(branch) -> dict[str, int]:
    return {code: getattr(branch, code) for code in CHECKS}


def listed(client, url: str) -> int:
    """How many rows the list behind a cell shows (the test data fits on one page)."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.context["page"]
    assert not page.has_other_pages
    return len(page.items)


# --- one dashboard per role -----------------------------------------------------------------------


def test_each_role_gets_its_own_dashboard(client_for, landscape, cadre, branch_chair, federation_staff):
    mine = board(client_for(cadre))
    html = client_for(cadre).get(reverse("dashboard")).content.decode()
    assert mine.role == CADRE
    assert 'id="my-visits-open"' in html and 'id="my-reviews"' in html
    assert 'id="my-approvals"' not in html and 'id="funds-card"' not in html
    # The cadre helps six of group A1's filed households (none visited yet), one with its review overdue.
    assert mine.mine.reviews_overdue == 1 and mine.mine.visits_open == 6

    chair = board(client_for(branch_chair))
    html = client_for(branch_chair).get(reverse("dashboard")).content.decode()
    assert chair.role == CHAIR
    assert 'id="my-approvals"' in html and 'id="funds-card"' in html and 'id="aid-waiting"' in html
    assert chair.mine.approvals == 1 and chair.figures.waiting == 1

    federation = board(client_for(federation_staff))
    html = client_for(federation_staff).get(reverse("dashboard")).content.decode()
    assert federation.role == FEDERATION
    assert 'id="funds-available"' in html and 'id="my-visits-open"' not in html
    assert federation.figures.waiting == 2


def test_the_caseload_figures(client_for, landscape, branch_chair, federation_staff):
    a = board(client_for(branch_chair)).figures
    assert a.by_status["filed"] == landscape["a"].filed
    assert a.filed_this_year == landscape["a"].filed
    assert a.review_overdue == 1 and a.temporary == 1
    assert sum(a.by_tier.values()) == landscape["a"].filed
    whole = board(client_for(federation_staff))
    assert whole.figures.by_status["filed"] == landscape["a"].filed + landscape["b"].filed
    # Two branch funds of 50,000 yuan; each paid 1,500 and holds 1,500 for the request waiting... not yet
    # approved, so nothing is reserved.
    assert whole.funds_available == 2 * (50000 - 1500) and whole.funds_reserved == 0


# --- scoping ----------------------------------------------------------------------------------------


def test_another_branch_is_never_counted(client_for, landscape, branch_chair, cadre):
    chair = board(client_for(branch_chair))
    assert quality(chair) == {
        "Group A1": {**expected(landscape["a"]), "never_aided": 6},
        "Group A2": {code: (2 if code == "never_aided" else 0) for code in CHECKS},
        "Branch A, all units": expected(landscape["a"]),
    }
    assert chair.figures.by_status["filed"] == landscape["a"].filed
    assert chair.figures.waiting == 1 and len(chair.funds) == 1
    assert chair.funds_available == 50000 - 1500
    # A cadre of one group: one row, their group, and nothing of group A2.
    assert list(quality(board(client_for(cadre)))) == ["Group A1"]


def test_federation_staff_compare_the_branches(client_for, landscape, federation_staff):
    table = quality(board(client_for(federation_staff)))
    assert table["Branch A"] == expected(landscape["a"])
    assert table["Branch B"] == expected(landscape["b"])
    assert table["City federation, all units"] == {code: 2 * getattr(landscape["a"], code) for code in CHECKS}


def test_figures_are_cached_per_scope_not_per_user(client_for, landscape, branch_chair, branch_a, settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "DASHBOARD_CACHE_SECONDS": 60}
    first = board(client_for(branch_chair)).figures.computed_at
    deputy = UserFactory(username="deputy", roles=[(branch_a, Role.BRANCH_CHAIR)])
    # A new role bumps the data version: the next reader computes afresh, then the deputy shares it.
    again = board(client_for(branch_chair)).figures.computed_at
    assert again > first
    assert board(client_for(deputy)).figures.computed_at == again


def test_stale_figures_are_shown_while_one_request_recomputes_them(client_for, landscape, branch_chair, settings):
    import datetime as dt

    from django.core.cache import cache
    from django.utils import timezone

    from dashboard.figures import _cache_key

    settings.HARDSHIP = {**settings.HARDSHIP, "DASHBOARD_CACHE_SECONDS": 60}
    client = client_for(branch_chair)
    board(client)
    key = _cache_key(branch_chair, timezone.localdate())
    stale = cache.get(key)
    stale.computed_at -= dt.timedelta(seconds=120)  # read two minutes ago: older than the cache time
    cache.set(key, stale, 600)
    cache.add(f"{key}:recompute", 1, 60)  # another request is recomputing them
    assert board(client).figures.computed_at == stale.computed_at
    cache.delete(f"{key}:recompute")  # it ended without storing: this request recomputes
    fresh = board(client).figures.computed_at
    assert fresh > stale.computed_at + dt.timedelta(seconds=100)
    assert board(client).figures.computed_at == fresh
    assert cache.get(f"{key}:recompute") is None


# --- every count is its list ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["cadre", "branch_chair", "federation_staff"])
def test_every_quality_count_equals_the_list_it_links_to(client_for, landscape, persona, request):
    client = client_for(request.getfixturevalue(persona))
    shown = board(client)
    checked = 0
    for row in shown.quality_rows:
        for cell in row.cells:
            assert listed(client, cell.url) == cell.count, (row.name, cell.url)
            checked += cell.count
    assert checked > 0


def test_the_list_behind_a_cell_stays_in_scope(client_for, landscape, branch_chair, group_b1):
    client = client_for(branch_chair)
    # Another branch's unit in the link: the file list refuses the unit, the aid list shows nothing.
    response = client.get(reverse("cases:file_list"), {"quality": "stale", "unit": group_b1.pk})
    assert response.context["page"] is None
    assert listed(client, f"{reverse('funds:aid_list')}?quality=missing_evidence&unit={group_b1.pk}") == 0
    assert listed(client, f"{reverse('funds:aid_list')}?quality=missing_evidence") == 2


def test_tiles_link_to_their_lists(client_for, landscape, branch_chair):
    client = client_for(branch_chair)
    shown = board(client)
    assert listed(client, f"{reverse('cases:file_list')}?review=overdue") == shown.figures.review_overdue
    assert listed(client, f"{reverse('funds:aid_list')}?status=in_approval") == shown.figures.waiting
    assert listed(client, shown.annual_urls["filed"]) == shown.figures.filed_this_year
    for label, n, url in shown.tier_rows:
        assert listed(client, url) == n, label
    causes = shown.charts["causes"]
    for label, n, url in zip(causes["labels"], causes["datasets"][0]["data"], causes["links"], strict=True):
        assert listed(client, url) == n, label


# --- charts -------------------------------------------------------------------------------------------


def chart_data(html: str, name: str) -> dict:
    match = re.search(rf'<script id="chart-{name}" type="application/json">(.*?)</script>', html, re.DOTALL)
    return json.loads(match.group(1))


@pytest.mark.parametrize(("language", "word"), [("en", "Filed households"), ("zh-hans", "已建档困难户")])
def test_charts_carry_their_data_and_labels_in_the_readers_language(
    client_for, landscape, branch_chair, language, word
):
    html = client_for(branch_chair, language).get(reverse("dashboard")).content.decode()
    tiers = chart_data(html, "tiers")
    assert sum(tiers["datasets"][0]["data"]) == landscape["a"].filed
    assert tiers["datasets"][0]["label"] == word
    assert len(tiers["links"]) == len(tiers["labels"])
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html
    waiting = chart_data(html, "waiting")
    assert sum(waiting["datasets"][0]["data"]) == 1


# --- queries ------------------------------------------------------------------------------------------


def dashboard_queries(client) -> int:
    client.get(reverse("dashboard"))  # the scope and configuration caches warm, as in steady state
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(ctx)


# Session and user; the scope's figures: JIT off and back on, files twice (overview, quality), causes, visits twice
# (overdue, compliance), aid, funds; a cadre's or chair's own visits, reviews and the review lead days. The
# approvals badge is cached per user (funds.selectors.approval_queue_count) and warm after the first request.
UNCACHED_MAX = 14


@pytest.mark.parametrize("persona", ["branch_chair", "federation_staff", "cadre"])
def test_the_queries_do_not_grow_with_units_files_or_requests(
    client_for, branch_a, branch_b, group_a1, group_a2, group_b1, cadre, cadre_other_branch, settings, persona, request
):
    from tests.factories import UnitFactory

    settings.HARDSHIP = {**settings.HARDSHIP, "DASHBOARD_CACHE_SECONDS": 0}
    user = request.getfixturevalue(persona)
    chair_b = UserFactory(roles=[(branch_b, Role.BRANCH_CHAIR)])
    client = client_for(user)
    populate(group_a1, group_a2, cadre, UserFactory(roles=[(branch_a, Role.BRANCH_CHAIR)]))
    few = dashboard_queries(client)
    for _ in range(3):
        UnitFactory(parent=branch_a), UnitFactory(parent=branch_b)
        populate(group_b1, UnitFactory(parent=branch_b), cadre_other_branch, chair_b)
    populate(group_a1, UnitFactory(parent=group_a1), cadre, UserFactory(roles=[(branch_a, Role.BRANCH_CHAIR)]))
    assert dashboard_queries(client) == few <= UNCACHED_MAX


def test_a_cached_dashboard_costs_a_few_queries(client_for, landscape, federation_staff, settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "DASHBOARD_CACHE_SECONDS": 60}
    assert dashboard_queries(client_for(federation_staff)) <= 3
