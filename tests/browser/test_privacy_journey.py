"""Privacy in the browser: a cadre opens a household in full; federation staff see it masked and who looked."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.workflow import FileStatus
from org.privacy import mask_id
from tests.factories import HardshipFileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_staff_see_the_card_masked_and_who_looked_at_it(desktop, cadre, federation_staff, group_a1):
    hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED, name="赵铁柱", phone="13812345678")

    page = desktop.login("cadre")
    desktop.goto(hfile.get_absolute_url())
    expect(page.locator("#card-id-number")).to_have_text(hfile.id_number)
    # A cadre may not read who looked at the household: refused, and the refusal is logged too.
    assert page.goto(desktop.base_url + reverse("cases:file_access_log", args=[hfile.pk])).status == 403
    desktop.goto(hfile.get_absolute_url())
    desktop.logout()

    page = desktop.login("fed")
    desktop.goto(hfile.get_absolute_url())
    expect(page.locator("#card-id-number")).to_have_text(mask_id(hfile.id_number))
    expect(page.locator("main")).not_to_contain_text("13812345678")
    page.locator("#access-log-link").click()
    rows = page.locator("#access-log tbody tr")
    # Newest first: the staff member's own visit, the cadre's second visit, the refusal, the first visit.
    expect(rows).to_have_count(4)
    expect(rows.nth(2)).to_contain_text("Refused (not allowed for the role)")
    expect(rows.nth(2)).to_have_class("table-warning")
    expect(rows.nth(3)).to_contain_text("Viewed")
    expect(rows.nth(3)).to_contain_text("Hardship file")
    expect(page.locator("main")).not_to_contain_text(hfile.id_number)
    desktop.screenshot("access_log")
