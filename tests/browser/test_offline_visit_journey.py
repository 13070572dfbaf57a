"""On a phone without signal: the cadre records a visit offline, sees it waiting, and it reaches the file once when
the phone is back online; a phone number someone changed meanwhile comes back as a conflict the cadre resolves."""

import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import AssistancePlan, Cause, HardshipFile, PlanHelper
from cases.services import file_update_contact
from cases.workflow import FileStatus
from tests.factories import HardshipFileFactory
from visits.models import OfflineConflict, Resolution, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

READY = """async () => {
  if (!navigator.serviceWorker.controller) return false;
  const pages = await caches.open("hardship-pages");
  if (!(await pages.match("/visits/offline/form/")) || !(await pages.match("/visits/"))) return false;
  const db = await new Promise((resolve) => {
    const request = indexedDB.open("hardship-offline", 1);
    request.onsuccess = () => resolve(request.result);
  });
  const count = await new Promise((resolve) => {
    const request = db.transaction("households").objectStore("households").count();
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return count > 0;
}"""


def household(unit, helper, name: str, phone: str) -> HardshipFile:
    hfile = HardshipFileFactory(
        unit=unit,
        status=FileStatus.FILED,
        filed_on=timezone.localdate().replace(day=1),
        name=name,
        phone=phone,
        address="幸福路1号",
        cause=Cause.objects.get(code="low-income"),
    )
    PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=hfile, goal="目标"), user=helper)
    return hfile


def open_the_app(phone):
    """My visits with signal: the service worker takes over and the phone keeps the households and the form."""
    page = phone.goto("/visits/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("My visits")
    deadline = time.monotonic() + 15
    while not page.evaluate(READY):
        assert time.monotonic() < deadline, "the app never became ready for offline use"
        page.wait_for_timeout(200)
    return page


def record_offline(phone, page, name: str, new_phone: str, screenshot: str = ""):
    phone.context.set_offline(True)
    expect(page.locator("#connection")).to_have_text("Offline")
    page.locator("#due li", has_text=name).get_by_role("link", name="Record visit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record visit")
    expect(page.locator("#offline-household")).to_contain_text(name)
    page.get_by_text("Monthly routine visit").click()
    page.get_by_text("No change").click()
    page.locator("input[name=knows_name]").check()
    page.get_by_label("Notes").fill("离线录入：家中一切如常")
    page.locator("#id_new_phone").fill(new_phone)
    assert phone.horizontal_overflow() == 0
    if screenshot:
        phone.screenshot(screenshot)
    page.get_by_role("button", name="Save on this phone").click()
    expect(page.locator("#pending-count")).to_have_text("1")
    expect(page.locator("#sync-status")).to_contain_text("Visit saved on this phone")


def test_a_visit_recorded_without_signal_reaches_the_file_once_back_online(phone, cadre, group_a1):
    hfile = household(group_a1, cadre, "王秀英", "13800000001")
    phone.login("cadre")
    page = open_the_app(phone)

    record_offline(phone, page, "王秀英", "13911112222", screenshot="offline_visit_form")
    expect(page.locator("#due li", has_text="王秀英").locator(".badge-pending")).to_have_text("Waiting to sync")
    expect(page.locator("#pending-list li")).to_contain_text("王秀英")
    phone.screenshot("offline_visit_pending")
    assert not Visit.objects.exists()

    phone.context.set_offline(False)  # the `online` event sends the queue, and the board reloads
    expect(page.locator("#sync-status")).to_contain_text("Visits sent to their files: 1")
    expect(page.locator("#pending-count")).to_have_text("0")
    expect(page.locator("#done li", has_text="王秀英")).to_be_visible()
    phone.screenshot("offline_visit_synced")

    visit = Visit.objects.get(file=hfile)
    assert visit.offline_key is not None and visit.notes == "离线录入：家中一切如常" and visit.knows_name
    assert HardshipFile.objects.get(pk=hfile.pk).phone == "13911112222"
    page.get_by_role("button", name="Sync now").click()  # nothing left to send: nothing sent twice
    expect(page.locator("#sync-status")).to_contain_text("Nothing waiting")
    page.goto(phone.base_url + f"/visits/file/{hfile.pk}/")
    expect(page.locator(".visit-summary")).to_have_count(1)
    assert Visit.objects.filter(file=hfile).count() == 1


def test_a_stale_offline_phone_change_is_a_conflict_the_cadre_resolves(phone, cadre, branch_chair, group_a1):
    hfile = household(group_a1, cadre, "李桂兰", "13800000001")
    phone.login("cadre")
    page = open_the_app(phone)
    # While the cadre is on the road, the branch chair corrects the phone number on the file.
    file_update_contact(hfile=hfile, by=branch_chair, changes={"phone": "13733334444"})

    record_offline(phone, page, "李桂兰", "13911112222")
    phone.context.set_offline(False)
    conflicts = page.locator("#conflicts")
    expect(conflicts).to_be_visible()
    expect(page.locator("#sync-status")).to_contain_text("someone changed this household meanwhile")
    expect(conflicts.locator(".conflict")).to_contain_text("李桂兰")
    expect(conflicts.get_by_role("button", name="Keep theirs")).to_contain_text("13733334444")
    expect(conflicts.get_by_role("button", name="Keep mine")).to_contain_text("13911112222")
    assert phone.horizontal_overflow() == 0
    phone.screenshot("offline_visit_conflict")
    # Nothing was overwritten and nothing lost: the visit is on the file, the chair's number still stands.
    assert Visit.objects.filter(file=hfile).count() == 1
    assert HardshipFile.objects.get(pk=hfile.pk).phone == "13733334444"

    conflicts.get_by_role("button", name="Keep mine").click()
    expect(page.get_by_role("alert")).to_contain_text("Conflict resolved: phone of 李桂兰.")
    expect(page.locator("#conflicts")).to_have_count(0)
    assert HardshipFile.objects.get(pk=hfile.pk).phone == "13911112222"
    assert OfflineConflict.objects.get().resolution == Resolution.MINE
    assert Visit.objects.filter(file=hfile).count() == 1
