"""On a phone: a cadre completes a medical request's evidence checklist (two scans, one original seen) and submits."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from funds.models import AidDocument, AidRequest
from funds.services import aid_request_create
from funds.workflow import AidStatus
from tests.factories import PDF_BYTES, funded
from tests.funds.helpers import filed_household, medical

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _scans_in_memory(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


def test_cadre_completes_the_checklist_on_a_phone_and_submits(phone, cadre, group_a1):
    aid = aid_request_create(hfile=filed_household(group_a1), data=medical(funded(group_a1, "5000.00")), by=cadre)
    page = phone.login("cadre")
    phone.goto(aid.get_absolute_url())
    missing = page.get_by_test_id("missing")
    expect(missing).to_contain_text("Diagnosis proof (missing); Hospital bills (missing); Household register (missing)")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator(".alert-danger").first).to_contain_text("The evidence checklist is not complete")

    today = f"{timezone.localdate():%Y-%m-%d}"
    checklist = page.get_by_test_id("checklist")
    for name in ("Diagnosis proof", "Hospital bills"):
        row = checklist.locator("li", has_text=name)
        row.locator("input[name=dated]").fill(today)
        row.locator("input[name=file]").set_input_files(
            files=[{"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
        )
        row.get_by_role("button", name="Upload").click()
        expect(page.get_by_text("The document was added to the checklist.")).to_be_visible()
    register = page.get_by_test_id("checklist").locator("li", has_text="Household register")
    register.locator("input[name=dated]").fill("2015-06-01")
    register.get_by_role("button", name="Seen on paper").click()
    expect(page.get_by_test_id("checklist")).to_contain_text("Original dated 2015-06-01, seen on paper by")
    expect(page.get_by_test_id("missing")).to_have_count(0)
    assert phone.horizontal_overflow() == 0
    phone.screenshot("aid_checklist_phone")

    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("The aid request was submitted for approval.")).to_be_visible()
    assert AidRequest.objects.get().status == AidStatus.IN_APPROVAL
    assert AidDocument.objects.filter(on_paper=False).count() == 2
