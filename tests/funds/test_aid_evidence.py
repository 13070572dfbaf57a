"""The evidence checklist: shipped defaults, documents by upload or on paper, validity, submission, pages and scope."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from funds.models import AidDecision, AidDocument, AidRequest, EvidenceItem
from funds.services import aid_document_add, aid_document_remove, aid_request_create, aid_request_submit, checklist
from funds.workflow import AidStatus
from tests.factories import PDF_BYTES, PNG_BYTES, funded

from .helpers import complete_evidence, filed_household, ledger_snapshot, medical, submit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def fund(group_a1):
    return funded(group_a1, "10000.00")


@pytest.fixture
def draft(group_a1, fund, cadre):
    return aid_request_create(hfile=filed_household(group_a1), data=medical(fund), by=cadre)


def item(code: str, name_en: str) -> EvidenceItem:
    return EvidenceItem.objects.get(aid_type__code=code, name_en=name_en)


def pdf(name: str = "bill.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, "application/pdf")


def states(request) -> dict[str, str]:
    return {row.item.name_en: row.state for row in checklist(request=request)}


def test_default_types_ship_with_their_checklists():
    medical_items = EvidenceItem.objects.filter(aid_type__code="medical")
    assert [(i.name_en, i.required, i.valid_days, i.paper_allowed) for i in medical_items] == [
        ("Diagnosis proof", True, 180, False),
        ("Hospital bills", True, 365, False),
        ("Insurance settlement statement", False, 365, False),
        ("Household register", True, None, True),
    ]
    assert item("medical", "Diagnosis proof").name_zh == "诊断证明"
    assert EvidenceItem.objects.filter(aid_type__code="living").count() == 2
    assert not EvidenceItem.objects.filter(aid_type__code="condolence").exists()


def test_incomplete_checklist_cannot_be_submitted_and_nothing_changes(draft, cadre):
    aid_document_add(request=draft, item=item("medical", "Diagnosis proof"), dated=TODAY(), by=cadre, upload=pdf())
    before = ledger_snapshot()
    with pytest.raises(ValidationError) as exc:
        aid_request_submit(request=draft, by=cadre)
    assert exc.value.messages == [
        "The evidence checklist is not complete: Hospital bills (missing); Household register (missing)."
    ]
    assert AidRequest.objects.get().status == AidStatus.DRAFT
    assert not AidDecision.objects.filter(action="submit").exists()
    assert ledger_snapshot() == before


def test_expired_document_blocks_submission_until_a_recent_one_is_added(draft, cadre):
    complete_evidence(draft, cadre)
    diagnosis = item("medical", "Diagnosis proof")
    old = AidDocument.objects.get(item=diagnosis)
    AidDocument.objects.filter(pk=old.pk).update(dated=TODAY() - dt.timedelta(days=181))
    assert states(draft)["Diagnosis proof"] == "expired"
    expired_on = f"{TODAY() - dt.timedelta(days=1):%Y-%m-%d}"
    with pytest.raises(ValidationError, match=f"Diagnosis proof \\(expired on {expired_on}\\)"):
        aid_request_submit(request=draft, by=cadre)
    AidDocument.objects.filter(pk=old.pk).update(dated=TODAY() - dt.timedelta(days=180))  # the last valid day
    assert states(draft)["Diagnosis proof"] == "present"
    AidDocument.objects.filter(pk=old.pk).update(dated=TODAY() - dt.timedelta(days=400))
    aid_document_add(request=draft, item=diagnosis, dated=TODAY() - dt.timedelta(days=3), by=cadre, upload=pdf())
    assert aid_request_submit(request=draft, by=cadre).status == AidStatus.IN_APPROVAL


def test_optional_item_does_not_block(draft, cadre):
    complete_evidence(draft, cadre)
    assert states(draft)["Insurance settlement statement"] == "missing"
    assert submit(draft, cadre).status == AidStatus.IN_APPROVAL


def test_household_register_may_be_seen_on_paper_but_a_diagnosis_must_be_uploaded(draft, cadre):
    register = aid_document_add(
        request=draft, item=item("medical", "Household register"), dated=TODAY(), by=cadre, on_paper=True
    )
    assert register.on_paper and not register.file
    with pytest.raises(ValidationError, match="must be uploaded"):
        aid_document_add(request=draft, item=item("medical", "Diagnosis proof"), dated=TODAY(), by=cadre, on_paper=True)
    assert AidDocument.objects.count() == 1


@pytest.mark.parametrize(
    ("upload", "text"),
    [
        (SimpleUploadedFile("bill.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"), "is not a photo"),
        (None, "Choose a file"),
    ],
)
def test_bad_upload_is_refused_and_nothing_is_stored(draft, cadre, settings, upload, text):
    with pytest.raises(ValidationError, match=text):
        aid_document_add(request=draft, item=item("medical", "Hospital bills"), dated=TODAY(), by=cadre, upload=upload)
    assert not AidDocument.objects.exists()
    assert not list(settings.MEDIA_ROOT.rglob("*.*"))


def test_too_large_a_file_and_a_future_date_are_refused(draft, cadre, settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "AID_DOCUMENT_MAX_BYTES": 10}
    with pytest.raises(ValidationError, match="larger than"):
        aid_document_add(request=draft, item=item("medical", "Hospital bills"), dated=TODAY(), by=cadre, upload=pdf())
    tomorrow = TODAY() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="future"):
        aid_document_add(request=draft, item=item("medical", "Household register"), dated=tomorrow, by=cadre,
                         on_paper=True)  # fmt: skip
    assert not AidDocument.objects.exists()


def test_item_of_another_type_is_refused(draft, cadre):
    with pytest.raises(ValidationError, match="not on the checklist"):
        aid_document_add(request=draft, item=item("living", "Household register"), dated=TODAY(), by=cadre,
                         on_paper=True)  # fmt: skip


def test_documents_are_frozen_once_submitted_and_only_requesters_add_them(draft, cadre, branch_chair, federation_staff):
    with pytest.raises(PermissionDenied):
        aid_document_add(request=draft, item=item("medical", "Hospital bills"), dated=TODAY(), by=federation_staff,
                         upload=pdf())  # fmt: skip
    submit(draft, cadre)
    with pytest.raises(ValidationError, match="only while the request is a draft or returned"):
        aid_document_add(request=draft, item=item("medical", "Hospital bills"), dated=TODAY(), by=cadre, upload=pdf())
    with pytest.raises(ValidationError, match="only while"):
        aid_document_remove(document=AidDocument.objects.first(), by=cadre)
    assert AidDocument.objects.filter(removed_at__isnull=False).count() == 0


def test_removed_document_no_longer_counts_but_its_row_is_kept(draft, cadre):
    complete_evidence(draft, cadre)
    bills = AidDocument.objects.get(item=item("medical", "Hospital bills"))
    aid_document_remove(document=bills, by=cadre)
    bills.refresh_from_db()
    assert (bills.removed_by, bills.removed_at is not None) == (cadre, True)
    assert states(draft)["Hospital bills"] == "missing"
    with pytest.raises(ValidationError, match="Hospital bills \\(missing\\)"):
        aid_request_submit(request=draft, by=cadre)


# Pages.


def test_request_page_shows_what_is_missing_and_the_cadre_completes_it_there(client_for, draft, cadre):
    client = client_for(cadre)
    page = client.get(draft.get_absolute_url())
    assert [row.item.name_en for row in page.context["blocking"]] == [
        "Diagnosis proof", "Hospital bills", "Household register",
    ]  # fmt: skip
    assert "Before the request can be submitted:" in page.content.decode()
    response = client.post(reverse("funds:aid_submit", args=[draft.pk]), follow=True)
    assert "The evidence checklist is not complete" in response.content.decode()
    url = reverse("funds:aid_evidence_add", args=[draft.pk])
    for name in ("Diagnosis proof", "Hospital bills"):
        client.post(url, {"item": item("medical", name).pk, "dated": f"{TODAY():%Y-%m-%d}", "file": pdf()})
    client.post(url, {"item": item("medical", "Household register").pk, "dated": "2020-01-01", "on_paper": "on"})
    page = client.get(draft.get_absolute_url())
    assert page.context["blocking"] == []
    assert "seen on paper by" in page.content.decode()
    client.post(reverse("funds:aid_submit", args=[draft.pk]))
    assert AidRequest.objects.get().status == AidStatus.IN_APPROVAL


@pytest.mark.parametrize(
    ("form", "text"),
    [
        ({"dated": ""}, "Date of the document: This field is required."),
        ({"file": SimpleUploadedFile("x.pdf", b"<html>", "application/pdf")}, "is not a photo"),
        ({"item": "999999"}, "Document: Select a valid choice."),
    ],
)
def test_bad_document_input_on_the_page_is_explained_and_nothing_saved(client_for, draft, cadre, form, text):
    data = {"item": item("medical", "Hospital bills").pk, "dated": f"{TODAY():%Y-%m-%d}", "file": pdf(), **form}
    response = client_for(cadre).post(reverse("funds:aid_evidence_add", args=[draft.pk]), data, follow=True)
    assert text in response.content.decode()
    assert not AidDocument.objects.exists()


def test_copy_is_downloaded_in_scope_only_and_always_as_an_attachment(
    client_for, draft, cadre, branch_chair, chair_other_branch, cadre_a2
):
    png = aid_document_add(
        request=draft, item=item("medical", "Hospital bills"), dated=TODAY(), by=cadre,
        upload=SimpleUploadedFile("账单.png", PNG_BYTES, "image/png"),
    )  # fmt: skip
    response = client_for(branch_chair).get(png.get_absolute_url())
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert png.file.name.startswith("aid/") and "账单" not in png.file.name
    for outsider in (chair_other_branch, cadre_a2):
        assert client_for(outsider).get(png.get_absolute_url()).status_code == 404
    aid_document_remove(document=png, by=cadre)
    assert client_for(branch_chair).get(png.get_absolute_url()).status_code == 404
    paper = aid_document_add(
        request=draft, item=item("medical", "Household register"), dated=TODAY(), by=cadre, on_paper=True
    )
    assert client_for(branch_chair).get(paper.get_absolute_url()).status_code == 404


def test_out_of_scope_user_cannot_add_or_remove_documents(client_for, draft, cadre, cadre_other_branch):
    complete_evidence(draft, cadre)
    document = AidDocument.objects.first()
    client = client_for(cadre_other_branch)
    data = {"item": item("medical", "Hospital bills").pk, "dated": f"{TODAY():%Y-%m-%d}", "file": pdf()}
    assert client.post(reverse("funds:aid_evidence_add", args=[draft.pk]), data).status_code == 404
    assert client.post(reverse("funds:aid_evidence_remove", args=[draft.pk, document.pk])).status_code == 404
    assert AidDocument.objects.current().count() == 3


def test_request_page_costs_the_same_queries_with_many_documents_and_speaks_chinese(client_for, draft, cadre):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cadre)
    complete_evidence(draft, cadre)
    client.get(draft.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(draft.get_absolute_url())
    for _n in range(6):
        aid_document_add(request=draft, item=item("medical", "Hospital bills"), dated=TODAY(), by=cadre, upload=pdf())
    with CaptureQueriesContext(connection) as many:
        client.get(draft.get_absolute_url())
    assert len(many) == len(few) <= 18
    with translation.override("en"):
        chinese = client_for(cadre, "zh-hans").get(draft.get_absolute_url()).content.decode()
    assert "证明材料清单" in chinese and "诊断证明" in chinese


def test_approval_sheet_lists_the_evidence_and_the_admin_shows_it_read_only(
    client_for, draft, cadre, branch_chair, client
):
    from django.contrib.auth import get_user_model

    from funds.services import aid_request_decide, aid_request_pay

    complete_evidence(draft, cadre)
    aid = aid_request_decide(request=submit(draft, cadre), action="approve", by=branch_chair)
    aid_request_pay(request=aid, by=branch_chair, idempotency_key="k")
    sheet = client_for(branch_chair).get(reverse("funds:aid_receipt", args=[aid.pk]))
    text = sheet.content.decode()
    assert f"Diagnosis proof: Diagnosis proof.pdf, dated {TODAY():%Y-%m-%d}" in text
    assert f"Household register: original dated {TODAY():%Y-%m-%d} seen on paper" in text
    assert "Insurance settlement statement: none" in text
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-1")
    client.force_login(admin)
    page = client.get(reverse("admin:funds_aidrequest_change", args=[aid.pk]))
    assert page.status_code == 200 and "Diagnosis proof.pdf" in page.content.decode()
