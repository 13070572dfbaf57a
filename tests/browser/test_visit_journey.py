"""On a phone at the household's door: a cadre opens "My visits", records a clear decline with a photo."""

import struct
import zlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import AssistancePlan, Cause, PlanHelper
from cases.workflow import FileStatus
from tests.factories import HardshipFileFactory
from visits.models import FlagReason, MonitoringFlag, Outcome, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def tiny_png(width: int = 8, height: int = 8) -> bytes:
    """A real PNG, solid red, built by hand: what a phone camera would upload, only smaller."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture(autouse=True)
def _photos_in_memory(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


def test_cadre_records_a_clear_decline_with_a_photo_on_a_phone_and_the_file_is_flagged(phone, cadre, group_a1):
    hfile = HardshipFileFactory(
        unit=group_a1,
        status=FileStatus.FILED,
        filed_on=timezone.localdate().replace(day=1),
        name="王秀英",
        cause=Cause.objects.get(code="low-income"),
    )
    PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=hfile, goal="目标"), user=cadre)

    page = phone.login("cadre")
    phone.menu("Visits", "My visits")
    due = page.locator("#due")
    expect(due.get_by_role("link", name="王秀英")).to_be_visible()
    due.get_by_role("link", name="Record visit").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Record visit")
    page.fill("#id_visited_on", f"{timezone.localdate():%Y-%m-%d}")
    page.get_by_text("Monthly routine visit").click()
    page.get_by_text("Clear decline").click()
    page.select_option("#id_reason", label="Illness worsened")
    page.locator("input[name=visitors]").first.check()
    page.set_input_files("#id_attachments", files=[{"name": "door.png", "mimeType": "image/png", "buffer": tiny_png()}])
    assert phone.horizontal_overflow() == 0
    page.get_by_role("button", name="Save visit").click()

    expect(page.get_by_role("alert")).to_contain_text("Visit to 王秀英 recorded.")
    page.goto(phone.base_url + hfile.get_absolute_url())
    expect(page.locator("#file-flag-badge")).to_have_text("1 flag")

    visit = Visit.objects.get(file=hfile)
    assert visit.outcome == Outcome.DECLINED
    assert visit.attachments.get().content_type == "image/png"
    assert MonitoringFlag.objects.open().get(file=hfile).reason == FlagReason.DECLINE
