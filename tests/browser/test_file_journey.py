"""A hardship file's journey through the browser, on a phone: cadre creates and submits, the chair files it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from cases.demo import resident_id
from cases.models import FileEvent, HardshipFile, Relation
from cases.services import file_recompute_income
from cases.workflow import FileAction, FileStatus
from tests.factories import HardshipFileFactory, MemberFactory

# serialized_rollback: the flush between live-server tests empties the tiers,
# causes and headings the data migration wrote; this puts them back.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WORKER_ID = resident_id(31337)
CHILD_ID = resident_id(4242, "F", dt.date(2012, 5, 17))
MEMBER_ROWS = "tbody tr:not(.table-light):not(:has(td[colspan]))"


def status_badge(page: Page):
    return page.locator("h1 .badge")


def member_rows(page: Page):
    """The household table's member rows (not the worker's row, nor the other-income row)."""
    household = page.locator(".card", has=page.get_by_role("heading", name="Household", exact=True))
    return household.locator(MEMBER_ROWS)


def fill_new_file(page: Page) -> None:
    page.select_option("#id_unit", label="Group A1")
    page.fill("#id_name", "王建华")
    page.fill("#id_id_number", WORKER_ID)
    page.fill("#id_phone", "138 0871 2345")
    page.fill("#id_address", "人民路88号3单元")
    page.fill("#id_employer", "第一机械厂")
    page.select_option("#id_employment_status", label="Laid off")
    page.select_option("#id_health", label="Chronic illness")
    page.fill("#id_worker_income", "900")
    page.fill("#id_other_income", "150")
    causes = page.locator("#div_id_causes")
    causes.get_by_label("Serious illness").check()
    causes.get_by_label("Children's schooling").check()
    page.select_option("#id_primary_cause", label="Serious illness")
    page.select_option("#id_tier", label="Deep hardship")

    page.select_option("#id_members-0-relation", label="Spouse")
    page.fill("#id_members-0-name", "李秀兰")
    page.fill("#id_members-0-age", "45")
    page.select_option("#id_members-0-health", label="Serious illness")
    page.fill("#id_members-0-monthly_income", "600")

    expect(page.locator("#id_members-1-name")).to_have_count(0)
    page.get_by_role("button", name="Add a member").click()
    expect(page.locator("#members-rows .member-row")).to_have_count(2)
    assert page.input_value("#id_members-TOTAL_FORMS") == "2"
    page.select_option("#id_members-1-relation", label="Child")
    page.fill("#id_members-1-name", "王小红")
    page.fill("#id_members-1-id_number", CHILD_ID)
    page.select_option("#id_members-1-schooling", label="Junior secondary")
    page.fill("#id_members-1-monthly_income", "0")


def take_step(page: Page, step: str, fields: dict[str, str] | None = None) -> None:
    """Click a lifecycle button on the file page, fill the step's form, confirm."""
    page.locator("#file-actions").get_by_role("link", name=step).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(step)
    for selector, value in (fields or {}).items():
        page.fill(selector, value)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_have_text(f"Done: {step}.")


def test_cadre_creates_and_submits_then_chair_investigates_and_files(phone, cadre, branch_chair, group_a1):
    today = timezone.localdate()

    page = phone.login("cadre")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.get_by_role("link", name="New hardship file").click()
    expect(page.get_by_role("heading", name="New hardship file")).to_be_visible()
    fill_new_file(page)
    assert phone.horizontal_overflow() == 0, "the new-file form scrolls sideways on a phone"
    page.evaluate("window.scrollTo(0, 0)")
    phone.screenshot("file_form_phone", full_page=False)  # one phone screen, as the README shows it
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("The file was saved.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("王建华")
    expect(status_badge(page)).to_have_text("Draft")
    expect(page.get_by_text(WORKER_ID)).to_be_visible()
    rows = member_rows(page)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Spouse")
    expect(rows.nth(0)).to_contain_text("李秀兰")
    expect(rows.nth(1)).to_contain_text("Child")
    expect(rows.nth(1)).to_contain_text("王小红")
    expect(rows.nth(1)).to_contain_text("Junior secondary")
    expect(page.get_by_role("row", name="Other household income")).to_contain_text("¥150.00")
    # 900 + 150 + 600 + 0 for three people.
    expect(page.get_by_text("¥1650.00")).to_be_visible()
    expect(page.get_by_text("¥550.00", exact=True)).to_be_visible()

    take_step(page, "Submit for verification")
    expect(status_badge(page)).to_have_text("Submitted")
    expect(page.locator("#file-actions")).not_to_contain_text("Submit for verification")
    file_url = page.url

    phone.logout()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    page = phone.login("chair")
    # The chair's dashboard: one file submitted, waiting for the investigation.
    expect(page.locator("#files-submitted .stat")).to_have_text("1")
    page.locator("#files-submitted").click()
    expect(page.locator(".table-files tbody tr")).to_have_count(1)
    assert phone.horizontal_overflow() == 0, "the file list scrolls sideways on a phone"
    page.get_by_role("link", name="王建华").click()
    assert page.url == file_url
    take_step(
        page,
        "Record household investigation",
        {
            "#id_investigator": "李主席",
            "#id_investigated_on": today.isoformat(),
            "#id_findings": "入户核实：收入属实。",
        },
    )
    expect(status_badge(page)).to_have_text("Investigated")
    take_step(page, "File the card")

    expect(status_badge(page)).to_have_text("Filed")
    expect(page.locator("dd", has_text=today.strftime("%Y-%m-%d")).first).to_be_visible()
    investigations = page.locator(".card", has=page.get_by_role("heading", name="Household investigations"))
    expect(investigations).to_contain_text("李主席")
    expect(investigations).to_contain_text("入户核实：收入属实。")
    expect(member_rows(page)).to_have_count(2)
    history = page.locator("#history")
    expect(history.get_by_text("Card added")).to_be_visible()
    expect(history.get_by_text("Member 李秀兰 added")).to_be_visible()
    expect(history.get_by_text("Member 王小红 added")).to_be_visible()
    for old, new in (("Draft", "Submitted"), ("Submitted", "Investigated"), ("Investigated", "Filed")):
        expect(history.locator("li li", has_text=f"Status: {old} → {new}")).to_have_count(1)
    assert phone.horizontal_overflow() == 0, "the file page scrolls sideways on a phone"
    phone.screenshot("file_detail_phone")

    hfile = HardshipFile.objects.get(id_number=WORKER_ID)
    assert hfile.status == FileStatus.FILED
    assert hfile.unit == group_a1
    assert hfile.created_by == cadre
    assert hfile.filed_on == today
    assert hfile.review_due_on == today.replace(year=today.year + 1)
    assert (hfile.household_size, hfile.household_income, hfile.per_capita_income) == (
        3,
        Decimal("1650.00"),
        Decimal("550.00"),
    )
    assert hfile.primary_cause.code == "illness"
    assert hfile.tier.code == "deep"
    members = {m.name: m for m in hfile.members.all()}
    assert set(members) == {"李秀兰", "王小红"}
    assert members["王小红"].relation == Relation.CHILD
    assert members["王小红"].id_number == CHILD_ID
    assert members["王小红"].age == today.year - 2012 - ((today.month, today.day) < (5, 17))
    assert list(hfile.events.order_by("at", "pk").values_list("action", "actor__username")) == [
        ("create", "cadre"),
        (FileAction.SUBMIT, "cadre"),
        (FileAction.INVESTIGATE, "chair"),
        (FileAction.FILE, "chair"),
    ]
    inv = hfile.investigations.get()
    assert (inv.investigator, inv.investigated_on, inv.recorded_by) == ("李主席", today, branch_chair)
    assert FileEvent.objects.count() == 4


def test_language_switcher_shows_the_file_page_in_simplified_chinese(phone, branch_chair, group_a1):
    hfile = HardshipFileFactory(unit=group_a1, name="赵桂英", status=FileStatus.FILED, other_income=Decimal("80.00"))
    MemberFactory(file=hfile, name="钱伟", relation=Relation.SPOUSE)
    MemberFactory(file=hfile, name="赵小明", relation=Relation.CHILD, age=9)
    file_recompute_income(hfile=hfile)
    hfile.save()

    page = phone.login("chair")
    phone.goto(hfile.get_absolute_url())
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("Group A1 · File no.")).to_be_visible()

    page.select_option("#language", value="zh-hans")
    page.locator("footer").get_by_role("button").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.url.endswith(hfile.get_absolute_url())
    # Bilingual configuration data follows the language whether or not the catalogue is filled.
    expect(page.get_by_text("甲一小组", exact=False).first).to_be_visible()
    expect(member_rows_zh(page)).to_have_count(2)
    # Interface strings: only those the zh_Hans catalogue (or Django's own) already translates.
    labels = ["Hardship card", "Household", "History", "Resident ID number", "Filed", "Spouse", "Child", "Log out"]
    with translation.override("zh-hans"):
        translated = {label: str(translation.gettext(label)) for label in labels}
    body = page.locator("body")
    for english, chinese in translated.items():
        if chinese != english:
            expect(body).to_contain_text(chinese)
    assert phone.horizontal_overflow() == 0


def member_rows_zh(page: Page):
    """The household table's member rows, whatever the language of its heading."""
    return page.locator(f".table-responsive {MEMBER_ROWS}")
