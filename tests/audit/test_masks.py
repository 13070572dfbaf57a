"""Field-level masks on every page and printed copy: per role, with the one policy of org.privacy."""

import pytest
from django.urls import reverse

from org.privacy import Field, mask_id, mask_phone
from reports.models import Report
from tests.factories import HardshipFileFactory, MemberFactory
from tests.reports.pdf import needs_pdftotext, pdf_text

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def household(group_a1, cadre):
    hfile = HardshipFileFactory(unit=group_a1, created_by=cadre, phone=PHONE, health="chronic")
    MemberFactory(file=hfile, name="李小红", monthly_income="321.00")
    return hfile


def _page(client, hfile) -> str:
    return client.get(hfile.get_absolute_url()).content.decode()


@pytest.mark.parametrize("persona", ["cadre", "branch_chair"])
def test_cadres_and_chairs_see_the_card_in_full(request, client_for, household, persona):
    page = _page(client_for(request.getfixturevalue(persona)), household)
    assert household.id_number in page and f'href="tel:{PHONE}"' in page
    assert 'Health</dt><dd class="col-sm-8">Chronic illness</dd>' in page and "321.00" in page
    assert household.birth_date.strftime("%Y-%m-%d") in page


def test_federation_staff_see_identity_and_health_masked(client_for, federation_staff, household):
    page = _page(client_for(federation_staff), household)
    assert household.id_number not in page and mask_id(household.id_number) in page
    assert PHONE not in page and mask_phone(PHONE) in page and "tel:" not in page
    assert 'Health</dt><dd class="col-sm-8">***</dd>' in page
    assert household.birth_date.strftime("%Y-%m-%d") not in page  # the ID's middle, written out
    assert "321.00" in page  # federation staff approve aid: incomes stay visible by default


def test_a_narrower_setting_masks_incomes_too(settings, client_for, federation_staff, household):
    settings.PRIVACY_FULL_VIEW = {Field.INCOME: ["cadre"]}
    page = _page(client_for(federation_staff), household)
    assert "321.00" not in page and "¥***" in page
    assert 'id="tier-why"' in page and "not shown to your role" in page


@pytest.mark.parametrize(("persona", "full"), [("cadre", True), ("branch_chair", True), ("federation_staff", False)])
def test_the_file_list_masks_id_numbers_per_role(request, client_for, household, persona, full):
    page = client_for(request.getfixturevalue(persona)).get(reverse("cases:file_list")).content.decode()
    assert (household.id_number in page) is full
    assert mask_id(household.id_number) in page or full


def test_a_masked_id_cannot_be_read_back_by_prefix_search(client_for, federation_staff, cadre, household):
    def found(client, text) -> bool:
        response = client.post(reverse("cases:file_list"), {"q": text}, follow=True)
        return household.pk in [r.pk for r in response.context["page"].items]

    staff = client_for(federation_staff)
    assert not found(staff, household.id_number[:10])
    assert found(staff, household.id_number)  # the whole number, already known, finds the household
    assert found(client_for(cadre), household.id_number[:10])


@needs_pdftotext
@pytest.mark.parametrize(("persona", "full"), [("cadre", True), ("federation_staff", False)])
def test_the_printed_card_masks_per_role(
    request, client_for, household, persona, full, django_capture_on_commit_callbacks, settings
):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    client = client_for(request.getfixturevalue(persona))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:report_create", args=["hardship_card"]), {"pk": household.pk})
    report = Report.objects.get()
    response = client.get(reverse("reports:report_download", args=[report.pk]))
    text = pdf_text(b"".join(response.streaming_content))
    assert (household.id_number in text) is full and (PHONE in text) is full
    assert (mask_id(household.id_number) in text) is not full


def test_a_full_copy_is_not_handed_to_a_reader_who_sees_less(
    client_for, cadre, federation_staff, household, django_capture_on_commit_callbacks, settings
):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cadre).post(reverse("reports:report_create", args=["hardship_card"]), {"pk": household.pk})
    report = Report.objects.get()
    response = client_for(federation_staff).get(reverse("reports:report_download", args=[report.pk]))
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    # Asking for the card makes a masked copy of their own rather than reusing the cadre's.
    with django_capture_on_commit_callbacks(execute=True):
        client_for(federation_staff).post(
            reverse("reports:report_create", args=["hardship_card"]), {"pk": household.pk}
        )
    assert Report.objects.count() == 2
