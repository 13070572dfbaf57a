"""The README's desktop screenshots, taken on the demo data `make run` serves."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from playwright.sync_api import expect

from cases.management.commands.seed_demo import DEMO_PASSWORD
from cases.models import HardshipFile
from cases.workflow import INACTIVE_STATUSES, FileKind, FileStatus
from org.models import Unit, UnitKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DEMO_FILES = 36  # a dozen in the machinery branch: a full-looking list without a second page


def test_dashboard_list_and_file_page_on_a_desktop(desktop):
    call_command("seed_demo", files=DEMO_FILES, stdout=io.StringIO())
    branch = Unit.objects.get(name_en="Machinery branch")
    in_branch = HardshipFile.objects.filter(unit__path__startswith=branch.path)
    shown = (
        in_branch.filter(status=FileStatus.FILED, plan__isnull=False)
        .annotate(n=Count("members"))
        .order_by("-n", "pk")
        .first()
    )

    page = desktop.login("chair", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    # The active caseload: formal files neither closed nor handed to government support.
    active = in_branch.exclude(status__in=INACTIVE_STATUSES)
    open_total = active.filter(kind=FileKind.FORMAL).count()
    expect(page.locator("#active-files .stat")).to_have_text(str(open_total))

    desktop.menu("Households", "Files")
    expect(page.get_by_role("heading", name="Hardship files")).to_be_visible()
    expect(page.locator(".table-files tbody tr")).to_have_count(active.count())
    assert desktop.horizontal_overflow() == 0
    desktop.screenshot("file_list")

    # Searching leaves the other filters at "any": no tier, cause or unit is chosen for the user.
    page.get_by_label("Name or ID number").fill(shown.name)
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".table-files tbody tr")).to_have_count(active.filter(name__startswith=shown.name).count())
    page.locator(f'a[href="{shown.get_absolute_url()}"]').click()
    expect(page.locator("h1 .badge")).to_have_text("Filed")
    expect(page.locator("#history li").first).to_be_visible()
    assert desktop.horizontal_overflow() == 0
    desktop.screenshot("file_detail")


def test_the_federation_dashboard_with_its_charts_and_data_quality(desktop, phone):
    call_command("seed_demo", files=DEMO_FILES, stdout=io.StringIO())
    branches = Unit.objects.filter(kind=UnitKind.BRANCH)

    page = desktop.login("federation", DEMO_PASSWORD)
    expect(page.locator("#funds-available")).to_be_visible()
    # One row per branch and the federation's total; every chart drawn by Chart.js from its JSON.
    expect(page.locator("#quality tbody tr")).to_have_count(branches.count() + 1)
    for name in ("tiers", "causes", "compliance", "waiting", "funds"):
        drawn = f"!!Chart.getChart(document.querySelector('canvas[data-chart=\"chart-{name}\"]'))"
        assert page.evaluate(drawn), name
    assert desktop.horizontal_overflow() == 0
    desktop.screenshot("dashboard")

    # A data-quality number opens the list of exactly those households.
    cell = page.locator("#quality tbody tr").last.locator("td a").nth(1)
    count = int(cell.inner_text())
    cell.click()
    expect(page.get_by_role("heading", name="Hardship files")).to_be_visible()
    expect(page.locator(".table-files tbody tr")).to_have_count(min(count, 25))

    page = phone.login("federation", DEMO_PASSWORD)
    expect(page.locator("#quality")).to_be_visible()
    assert phone.horizontal_overflow() == 0
