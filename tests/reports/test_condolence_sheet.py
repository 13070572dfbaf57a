"""A holiday condolence batch's sign-off sheet (签领表) as a PDF: a line per household with room to sign,
the header on every page, whole rows only; scoped to the requester's units."""

import pytest
from django.urls import reverse

from funds.models import LineStatus
from reports.models import Report, ReportStatus
from tests.factories import funded
from tests.funds.batch_helpers import household, make_batch

from .pdf import needs_pdftotext, pdf_text

pytestmark = [pytest.mark.django_db, needs_pdftotext]


@pytest.fixture
def batch(group_a1, group_a2, branch_a, branch_chair):
    """A branch A batch: 40 households of group A1 (enough for two pages) and one of group A2."""
    for i in range(40):
        household(group_a1, i % 2, name=f"甲一户{i:02d}")
    household(group_a2, 0, name="张三")
    batch = make_batch(branch_a, funded(branch_a, "50000.00"), branch_chair)
    batch.lines.filter(file__name="甲一户39").update(status=LineStatus.EXCLUDED, excluded_reason="已迁出")
    return batch


def _print(client, commits, **data):
    with commits(execute=True):
        return client.post(reverse("reports:report_create", args=["condolence_sheet"]), data, follow=True)


def _pages(client, report: Report) -> list[str]:
    response = client.get(reverse("reports:report_download", args=[report.pk]))
    assert response.status_code == 200, report.error
    return pdf_text(b"".join(response.streaming_content)).split("\f")[:-1]


def test_a_chair_prints_the_sheet_with_a_line_per_household(
    client_for, branch_chair, batch, django_capture_on_commit_callbacks
):
    client = client_for(branch_chair, "zh-hans")
    assert (
        reverse("reports:report_create", args=["condolence_sheet"])
        in client.get(batch.get_absolute_url()).content.decode()
    )
    _print(client, django_capture_on_commit_callbacks, pk=batch.pk)
    report = Report.objects.get()
    assert report.status == ReportStatus.DONE and report.unit == batch.unit and report.pages >= 2
    pages = _pages(client, report)
    # The table header is repeated on every page with lines; every listed household is on exactly one line.
    with_lines = [page for page in pages if "甲一户" in page or "张三" in page]
    assert len(with_lines) >= 2 and all("领取人签名" in page and "签领表" in page for page in with_lines), pages
    text = "\n".join(pages)
    for i in range(39):
        assert text.count(f"甲一户{i:02d}") == 1, i
    assert "张三" in text and "甲一户39" not in text


def test_a_cadre_prints_only_their_groups_households(
    client_for, cadre, group_a1, group_a2, batch, django_capture_on_commit_callbacks
):
    client = client_for(cadre, "zh-hans")
    _print(client, django_capture_on_commit_callbacks, pk=batch.pk)
    report = Report.objects.get()
    assert report.unit == group_a1
    text = "".join(_pages(client, report))
    assert "甲一户00" in text and "张三" not in text
    # A group outside the cadre's scope is refused, not narrowed silently.
    response = _print(client, django_capture_on_commit_callbacks, pk=batch.pk, part=group_a2.pk)
    assert "请选择您所属的单位。" in response.content.decode()
    assert Report.objects.count() == 1


def test_one_groups_sheet_from_the_sheet_page(
    client_for, branch_chair, group_a2, batch, django_capture_on_commit_callbacks
):
    client = client_for(branch_chair)
    page = client.get(reverse("funds:batch_sheet", args=[batch.pk]), {"unit": group_a2.pk}).content.decode()
    assert f'name="part" value="{group_a2.pk}"' in page
    _print(client, django_capture_on_commit_callbacks, pk=batch.pk, part=group_a2.pk)
    report = Report.objects.get()
    text = "".join(_pages(client, report))
    assert report.unit == group_a2 and "张三" in text and "甲一户00" not in text


def test_another_branch_cannot_print_the_sheet(
    client_for, chair_other_branch, cadre_other_branch, batch, django_capture_on_commit_callbacks
):
    for user in (chair_other_branch, cadre_other_branch):
        response = _print(client_for(user), django_capture_on_commit_callbacks, pk=batch.pk)
        assert "Not found, or not yours to see." in response.content.decode()
    assert not Report.objects.exists()
