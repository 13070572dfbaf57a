"""The annual summary's drill-down: every figure of the preview, this year's and the previous year's, links to
what is behind it, and what is listed adds up to the figure, in the user's scope only.

Run on PostgreSQL and on SQLite (without DATABASE_URL): the per-household visit figures come from the same
compliance query as the summary's, grouped by household, and must add up on both.
"""

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.workflow import FileStatus
from funds.services import aid_request_create, aid_request_decide, aid_request_pay, fund_allocate
from org.models import Role
from reports.summary import summary_context
from tests.factories import FundFactory, HardshipFileFactory, UserFactory, VisitFactory
from tests.funds.helpers import medical, submit

from .conftest import at, filed
from .test_visit_compliance import CASES, household, visit

pytestmark = pytest.mark.django_db
SUMMARY = reverse("reports:annual_summary")
VISITS = reverse("reports:annual_visits")


@pytest.fixture
def small_pages(settings):
    """Two rows a page, so the lists page through the computed set in SQL."""
    settings.HARDSHIP = {**settings.HARDSHIP, "PAGE_SIZE": 2}


@pytest.fixture
def tricky(frozen, federation, group_a1, group_b1):
    """The households of the compliance cases, split between branch A and branch B; two share a name."""
    files = []
    for unit, (fields, visits, _expected) in zip([group_a1, group_b1] * 4, CASES.values(), strict=False):
        hfile = household(unit, **fields)
        for day, kind in visits:
            visit(hfile, day, kind)
        files.append(hfile)
    type(files[0]).objects.filter(pk__in=[files[0].pk, files[2].pk]).update(name="同名户")
    return files


def _all_rows(client, url: str) -> list:
    """Every row of a drill-down list, page after page; paging back from the last page gives the same rows."""
    response = client.get(url)
    assert response.status_code == 200, url
    pages = [response.context["page"]]
    while pages[-1].next_cursor:
        pages.append(client.get(f"{url}&after={pages[-1].next_cursor}").context["page"])
    back = [pages[-1]]
    while back[-1].prev_cursor:
        back.append(client.get(f"{url}&before={back[-1].prev_cursor}").context["page"])
    forward = [row.pk for page in pages for row in page.items]
    assert [row.pk for page in reversed(back) for row in page.items] == forward, url
    assert len(set(forward)) == len(forward), url
    return [row for page in pages for row in page.items]


def _cells(table) -> list[tuple[str, object]]:
    """(row name, cell) of every figure in a table, the total included."""
    rows = [*table.rows, *([table.total] if table.total else [])]
    return [(row.name, cell) for row in rows for cell in row.cells]


def _year_of(url: str) -> int:
    return int(parse_qs(urlparse(url).query)["year"][0])


# --- visits --------------------------------------------------------------------------------------------


def _visit_figures_add_up(client, unit, year: int) -> int:
    page = client.get(SUMMARY, {"unit_id": unit.pk, "year": year})
    units = next(t for t in page.context["visit_tables"] if t.key == "visits")
    checked = 0
    for row in [*units.rows, units.total]:
        figures = dict(zip(("required", "required_made", "made", "households", "compliance"), row.cells, strict=True))
        for side, url_of in (("cur", "url"), ("prev", "prev_url")):
            value = {m: getattr(cell, side) for m, cell in figures.items()}
            listed = {m: _all_rows(client, getattr(cell, url_of)) for m, cell in figures.items()}
            assert all(_year_of(getattr(c, url_of)) == year - (side == "prev") for c in figures.values())
            for i, m in enumerate(("required", "required_made", "made")):
                assert sum(r.figures[i] for r in listed[m]) == value[m], (row.name, side, m)
                assert all(r.figures[i] > 0 for r in listed[m]), (row.name, side, m)
            assert len(listed["households"]) == value["households"], (row.name, side)
            assert {r.pk for r in listed["households"]} == {r.pk for r in listed["made"]}
            # Compliance lists the households short of their visits: together they miss what the row misses.
            short = sum(r.figures[0] - r.figures[1] for r in listed["compliance"])
            assert short == value["required"] - value["required_made"], (row.name, side)
            assert all(r.figures[1] < r.figures[0] for r in listed["compliance"])
            checked += 1
    return checked


def test_the_households_behind_every_visit_figure_add_up_to_it(
    client_for, federation_staff, federation, tricky, small_pages
):
    client = client_for(federation_staff)
    # Branch A, branch B and the total, this year and the year before.
    assert _visit_figures_add_up(client, federation, 2025) == 6
    # 2024 too: its previous year has no households at all.
    assert _visit_figures_add_up(client, federation, 2024) >= 2


def test_a_branch_row_lists_only_that_branchs_households(client_for, federation_staff, federation, branch_a, tricky):
    client = client_for(federation_staff)
    page = client.get(SUMMARY, {"unit_id": federation.pk, "year": 2025})
    units = next(t for t in page.context["visit_tables"] if t.key == "visits")
    row = next(r for r in units.rows if r.name == "Branch A")
    listed = _all_rows(client, row.cells[0].url)
    assert {r.file.unit.parent_id for r in listed} == {branch_a.pk}
    # On file all year (15) and relieved mid-year (4); the transition over and the temporary file owe nothing.
    assert sorted(r.figures[0] for r in listed) == [4, 15]


def test_a_household_figures_are_those_of_the_compliance_rules(client_for, federation_staff, federation, tricky):
    """Each household of the compliance cases lists its own (required, required made) of the case."""
    client = client_for(federation_staff)
    listed = _all_rows(client, f"{VISITS}?unit={federation.pk}&year=2025&metric=required")
    by_pk = {r.pk: r.figures[:2] for r in listed}
    for hfile, (_fields, _visits, expected) in zip(tricky, CASES.values(), strict=False):
        assert by_pk.get(hfile.pk, [0, 0]) == list(expected[:2]), hfile.name
    prev = {r.pk: r.figures[:2] for r in _all_rows(client, f"{VISITS}?unit={federation.pk}&year=2024&metric=required")}
    for hfile, (_fields, _visits, expected) in zip(tricky, CASES.values(), strict=False):
        assert prev.get(hfile.pk, [0, 0]) == list(expected[2:]), hfile.name


def test_the_households_behind_each_outcome_add_up_to_its_visits(client_for, federation_staff, federation, year_data):
    client = client_for(federation_staff)
    page = client.get(SUMMARY, {"unit_id": federation.pk, "year": 2025})
    outcomes = next(t for t in page.context["visit_tables"] if t.key == "outcomes")
    assert outcomes.rows
    for name, cell in _cells(outcomes)[::2]:  # the count, not the share
        for value, url in ((cell.cur, cell.url), (cell.prev, cell.prev_url)):
            assert sum(r.figures[0] for r in _all_rows(client, url)) == value, (name, url)
    improved = client.get(outcomes.rows[0].cells[0].url)
    assert [r.pk for r in improved.context["page"].items] == [year_data["f1"].pk]
    assert "Living conditions found at visits" in improved.content.decode()


def test_the_page_names_the_figure_and_says_when_the_year_is_frozen(
    client_for, federation_staff, federation, branch_a, year_data
):
    client = client_for(federation_staff)
    query = {"unit": federation.pk, "year": 2025, "metric": "required_made", "branch": branch_a.pk}
    html = client.get(VISITS, query).content.decode()
    for words in ("Visits made against visits required", "Branch A", "Required visits made", "2025"):
        assert words in html
    assert 'id="drill-frozen"' not in html
    client.post(reverse("reports:annual_summary_finalise"), {"unit_id": federation.pk, "year": 2025})
    html = client.get(VISITS, query).content.decode()
    assert 'id="drill-frozen"' in html and "frozen as printed" in html and "as they are today" in html


def test_every_file_figure_of_the_previous_year_lists_its_households(
    client_for, federation_staff, federation, year_data
):
    client = client_for(federation_staff)
    response = client.get(SUMMARY, {"unit_id": federation.pk, "year": 2025})
    for table in response.context["file_tables"]:
        for name, cell in _cells(table):
            assert _year_of(cell.prev_url) == 2024
            assert len(_all_rows(client, cell.prev_url)) == cell.prev, (table.key, name)


def test_the_pdf_links_nothing(federation, year_data, frozen):
    from reports.annual import annual_figures

    context = summary_context(annual_figures(unit=federation, year=2025), drill=False)
    tables = [*context["file_tables"], *context["visit_tables"], *context["aid_tables"], *context["fund_tables"]]
    assert not any(cell.url or cell.prev_url for table in tables for _name, cell in _cells(table))


def test_the_first_year_has_no_previous_year_to_link(client_for, federation_staff, federation, group_a1, frozen):
    filed(group_a1, "2000-03-01")
    response = client_for(federation_staff).get(SUMMARY, {"unit_id": federation.pk, "year": 2000})
    cells = [cell for table in response.context["visit_tables"] for _name, cell in _cells(table)]
    assert cells and all(cell.url and not cell.prev_url for cell in cells)


# --- scope and tampering -------------------------------------------------------------------------------


def test_out_of_scope_the_visit_drill_down_shows_and_counts_nothing(
    client_for, chair_other_branch, cadre, branch_chair, federation, branch_a, branch_b, tricky
):
    names = {f.name for f in tricky}
    refusals = [
        (chair_other_branch, {"unit": federation.pk}, "Choose one of your units"),
        (chair_other_branch, {"unit": branch_a.pk}, "Choose one of your units"),
        (chair_other_branch, {"unit": branch_b.pk, "branch": branch_a.pk}, "is not under"),
        (cadre, {"unit": branch_a.pk}, "Choose one of your units"),
        (branch_chair, {"unit": federation.pk}, "Choose one of your units"),
    ]
    for user, params, message in refusals:
        for metric in ("required", "made", "compliance", "households"):
            response = client_for(user).get(VISITS, {**params, "year": 2025, "metric": metric})
            html = response.content.decode()
            assert response.status_code == 200 and response.context["page"] is None
            assert message in html and 'id="drill-figure"' not in html
            assert not any(name in html for name in names)
    # Their own branch: only its own households.
    listed = _all_rows(client_for(chair_other_branch), f"{VISITS}?unit={branch_b.pk}&year=2025&metric=required")
    assert listed and {r.file.unit.parent_id for r in listed} == {branch_b.pk}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"metric": "drop table"}, "No such figure"),
        ({"metric": "outcome"}, "Name the outcome"),
        ({"metric": "outcome", "outcome": "wonderful"}, "No such outcome"),
        ({"year": 1999}, "cannot be earlier than 2000"),
        ({"year": 3000}, "cannot be later than this year"),
        ({"year": "x"}, "Enter a whole number"),
        ({"branch": "x"}, "Enter a whole number"),
        ({"branch": 10_000_000}, "is not under"),
        ({"unit": "x"}, "Choose one of your units"),
        ({"unit": 10_000_000}, "Choose one of your units"),
    ],
)
def test_a_tampered_visit_link_says_so(client_for, federation_staff, federation, year_data, params, message):
    query = {"unit": federation.pk, "year": 2025, "metric": "required", **params}
    response = client_for(federation_staff).get(VISITS, query)
    html = response.content.decode()
    assert response.status_code == 200 and response.context["page"] is None
    assert "does not name a figure" in html and message in html


def test_a_tampered_cursor_is_the_first_page(client_for, federation_staff, federation, year_data, small_pages):
    client = client_for(federation_staff)
    query = {"unit": federation.pk, "year": 2025, "metric": "made"}
    first = [r.pk for r in client.get(VISITS, query).context["page"].items]
    for cursor in ("x", "10000000", "-1"):
        assert [r.pk for r in client.get(VISITS, {**query, "after": cursor}).context["page"].items] == first


# --- a constant number of queries ------------------------------------------------------------------------


def _more_households(units, n: int) -> None:
    for i in range(n):
        hfile = HardshipFileFactory(unit=units[i % len(units)], status=FileStatus.FILED,
                                    filed_on=dt.date(2024, 1 + i % 12, 1))  # fmt: skip
        VisitFactory(file=hfile, visited_on=dt.date(2025, 1 + i % 12, 15), outcome="improved")


VISIT_PAGES = [
    {"metric": "required"},
    {"metric": "compliance"},
    {"metric": "made", "branch": "branch_a"},
    {"metric": "outcome", "outcome": "improved"},
]


@pytest.mark.parametrize("params", VISIT_PAGES)
def test_a_visit_drill_down_costs_the_same_queries_for_3_or_30_households(
    client_for, federation_staff, federation, branch_a, group_a1, group_b1, frozen, params,
    django_assert_max_num_queries,
):  # fmt: skip
    client = client_for(federation_staff)
    query = {"unit": federation.pk, "year": 2025, **params}
    units = [group_a1, group_b1]
    if "branch" in query:
        query["branch"], units = branch_a.pk, [group_a1]
    _more_households(units, 3)
    client.get(VISITS, query)  # warm the cached scope and configuration
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(VISITS, query).context["page"].items) >= 1
    _more_households(units, 27)
    with django_assert_max_num_queries(len(few)):
        page = client.get(VISITS, query).context["page"]
        assert len(page.items) == 25
    with django_assert_max_num_queries(len(few) + 1):  # the next page looks its cursor up
        client.get(VISITS, {**query, "after": page.next_cursor})


# --- aid -----------------------------------------------------------------------------------------------

AID = reverse("reports:annual_aid")


def _pay(hfile, fund, amount: str, invoice: str, by, chair, key: str):
    aid = submit(aid_request_create(hfile=hfile, data=medical(fund, amount, invoices=(invoice,)), by=by), by)
    aid = aid_request_decide(request=aid, action="approve", by=chair)
    return aid_request_pay(request=aid, by=chair, idempotency_key=key)


@pytest.fixture
def aid_years(year_data, federation_staff, cadre, cadre_other_branch, branch_a, branch_b, group_a1, group_b1):
    """Beside 2025's paid request in group A1: one paid in 2024, one asked for in branch B, a draft."""
    chair = UserFactory(roles=[(branch_a, Role.BRANCH_CHAIR)])
    with at("2024-04-01"):
        old = FundFactory(unit=group_a1, name="甲一旧资金")
        fund_allocate(fund=old, amount=Decimal("3000"), source="finance", by=federation_staff, idempotency_key="old")
    with at("2024-06-01"):
        _pay(year_data["f1"], old, "800.00", "INV-24", cadre, chair, "pay-24")
    with at("2025-08-01"):
        fund_b = FundFactory(unit=group_b1, name="乙一帮扶资金")
        fund_allocate(fund=fund_b, amount=Decimal("2000"), source="finance", by=federation_staff, idempotency_key="b")
        data = medical(fund_b, "600.00", invoices=("INV-B",))
        submit(aid_request_create(hfile=year_data["f4"], data=data, by=cadre_other_branch), cadre_other_branch)
        aid_request_create(hfile=year_data["f1"], data=medical(old, "100.00", invoices=("INV-D",)), by=cadre)
    return {**year_data, "old_fund": old, "fund_b": fund_b}


def test_the_requests_behind_every_aid_figure_add_up_to_it(
    client_for, federation_staff, federation, aid_years, small_pages
):
    client = client_for(federation_staff)
    page = client.get(SUMMARY, {"unit_id": federation.pk, "year": 2025})
    table = next(t for t in page.context["aid_tables"] if t.key == "aid")
    assert len(table.rows) == 3
    checked = 0
    for name, cell in _cells(table):
        for value, url in ((cell.cur, cell.url), (cell.prev, cell.prev_url)):
            listed = _all_rows(client, url)
            totals = client.get(url).context["totals"]
            assert totals.count == len(listed)
            assert totals.amount == sum((r.requested_amount for r in listed), Decimal("0"))
            if cell.money:
                assert totals.amount == Decimal(value), (name, url)
            else:
                assert len(listed) == value, (name, url)
            checked += 1
    assert checked == 4 * 6 * 2
    paid = client.get(table.total.cells[4].url)
    assert [r.file_id for r in paid.context["page"].items] == [aid_years["f1"].pk]
    html = paid.content.decode()
    assert "1 request, ¥1500.00 in all." in html and "Payments (person-times)" in html and "2025-06-01" in html


def test_the_households_paid_aid_add_up_to_the_figure(client_for, federation_staff, federation, aid_years):
    client = client_for(federation_staff)
    page = client.get(SUMMARY, {"unit_id": federation.pk, "year": 2025})
    helped = next(t for t in page.context["aid_tables"] if t.key == "helped")
    households, payments = helped.total.cells
    for value, url, count in ((households.cur, households.url, payments.cur),
                              (households.prev, households.prev_url, payments.prev)):  # fmt: skip
        listed = _all_rows(client, url)
        assert len(listed) == value and sum(r.figures[0] for r in listed) == count
    listed = _all_rows(client, households.prev_url)
    assert [(r.pk, r.figures) for r in listed] == [(aid_years["f1"].pk, [1, Decimal("800.00")])]


def test_out_of_scope_the_aid_drill_down_shows_and_counts_nothing(
    client_for, chair_other_branch, cadre, federation, branch_a, branch_b, aid_years
):
    f1 = aid_years["f1"]
    for user, params, message in [
        (chair_other_branch, {"unit": federation.pk}, "Choose one of your units"),
        (chair_other_branch, {"unit": branch_b.pk, "branch": branch_a.pk}, "is not under"),
        (cadre, {"unit": branch_a.pk}, "Choose one of your units"),
    ]:
        for metric in ("requested_n", "paid", "households"):
            response = client_for(user).get(AID, {**params, "year": 2025, "metric": metric})
            html = response.content.decode()
            assert response.status_code == 200 and response.context["page"] is None
            assert message in html and 'id="drill-totals"' not in html and f1.name not in html
    # Their own branch, even naming branch A's fund: branch B's request only, and the fund is not named.
    client = client_for(chair_other_branch)
    query = {"unit": branch_b.pk, "year": 2025, "metric": "requested_n"}
    listed = _all_rows(client, f"{AID}?unit={branch_b.pk}&year=2025&metric=requested_n")
    assert [r.file_id for r in listed] == [aid_years["f4"].pk]
    other = client.get(AID, {**query, "fund": aid_years["fund"].pk})
    html = other.content.decode()
    assert other.context["page"].items == [] and "甲一帮扶资金" not in html and f1.name not in html
    assert "0 requests, ¥0.00 in all." in html
    households = _all_rows(client, f"{AID}?unit={branch_b.pk}&year=2025&metric=households")
    assert households == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"metric": "households; drop"}, "No such figure"),
        ({"aid_type": "x"}, "Enter a whole number"),
        ({"fund": "1.5"}, "Enter a whole number"),
        ({"year": 1999}, "cannot be earlier than 2000"),
        ({"branch": 10_000_000}, "is not under"),
    ],
)
def test_a_tampered_aid_link_says_so(client_for, federation_staff, federation, aid_years, params, message):
    query = {"unit": federation.pk, "year": 2025, "metric": "paid", **params}
    response = client_for(federation_staff).get(AID, query)
    html = response.content.decode()
    assert response.status_code == 200 and response.context["page"] is None
    assert "does not name a figure" in html and message in html


def _more_paid(units, fund, n: int, by, chair) -> None:
    with at("2025-07-01"):
        for i in range(n):
            unit = units[i % len(units)]
            hfile = HardshipFileFactory(unit=unit, status=FileStatus.FILED, filed_on=dt.date(2024, 1, 1))
            _pay(hfile, fund, "10.00", f"INV-{hfile.pk}", by, chair, f"more-{hfile.pk}")


@pytest.mark.parametrize("metric", ["requested_n", "paid", "households"])
def test_an_aid_drill_down_costs_the_same_queries_for_3_or_30_households(
    client_for, federation_staff, federation, branch_a, group_a1, cadre, frozen, metric,
    django_assert_max_num_queries,
):  # fmt: skip
    chair = UserFactory(roles=[(branch_a, Role.BRANCH_CHAIR)])
    with at("2025-06-01"):
        fund = FundFactory(unit=group_a1)
        fund_allocate(fund=fund, amount=Decimal("1000"), source="finance", by=federation_staff, idempotency_key="q")
    _more_paid([group_a1], fund, 3, cadre, chair)
    client = client_for(federation_staff)
    query = {"unit": federation.pk, "year": 2025, "metric": metric}
    client.get(AID, query)  # warm the cached scope and configuration
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(AID, query).context["page"].items) == 3
    _more_paid([group_a1], fund, 27, cadre, chair)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(AID, query).context["page"].items) == 25


# --- funds ---------------------------------------------------------------------------------------------


def test_every_fund_figure_links_to_the_statement_behind_it(
    client_for, federation_staff, chair_other_branch, federation, aid_years, small_pages
):
    """Money in and out: the year's entries moving money, adding up to the figure (reserving and releasing left
    out); opening and closing: the entries up to the start or end of the year, the newest one's balance."""
    client = client_for(federation_staff)
    page = client.get(SUMMARY, {"unit_id": federation.pk, "year": 2025})
    table = page.context["fund_tables"][0]
    assert len(table.rows) == 4 and not any(c.url or c.prev_url for c in table.total.cells)
    checked = 0
    for row in table.rows:
        for metric, cell in zip(("opening", "inflow", "outflow", "closing"), row.cells, strict=True):
            for value, url in ((cell.cur, cell.url), (cell.prev, cell.prev_url)):
                assert url.startswith("/funds/"), url
                entries = _all_rows(client, url)
                if metric in ("opening", "closing"):
                    balance = entries[0].balance_after if entries else Decimal("0")
                    assert balance == Decimal(value), (row.name, metric, url)
                else:
                    total = sum((e.amount for e in entries), Decimal("0"))
                    assert abs(total) == Decimal(value), (row.name, metric, url)
                checked += 1
    assert checked == 4 * 4 * 2
    # The fund paid from in 2025 reserved before paying: the statement of its money out lists the payment only.
    fund_row = next(r for r in table.rows if r.name.startswith("甲一帮扶资金"))
    out = _all_rows(client, fund_row.cells[2].url)
    assert [e.amount for e in out] == [Decimal("-1500.00")]
    # Another branch's chair reaches none of these statements.
    assert client_for(chair_other_branch).get(fund_row.cells[2].url).status_code == 404
