"""Exports of the filtered lists: scoped like their page, masked by org.privacy, safe to open, flat in queries."""

import pytest
from django.urls import reverse

from cases.workflow import FileStatus
from org.models import Role
from tests.factories import HardshipFileFactory, UserFactory, VisitFactory, funded

from .helpers import csv_rows, xlsx_cells, xlsx_rows

pytestmark = pytest.mark.django_db

FILES = reverse("sheets:export_files")


def _names(rows: list[list]) -> set[str]:
    return {row[2] for row in rows[1:]}


def test_file_export_holds_the_filtered_scoped_list(client_for, cadre, group_a1, group_a2, group_b1):
    mine = HardshipFileFactory(unit=group_a1, name="王甲", status=FileStatus.FILED)
    HardshipFileFactory(unit=group_a1, name="王乙", status=FileStatus.DRAFT)
    HardshipFileFactory(unit=group_a2, name="李丙", status=FileStatus.FILED)  # sibling group: out of scope
    HardshipFileFactory(unit=group_b1, name="张丁", status=FileStatus.FILED)  # other branch: out of scope
    client = client_for(cadre)

    everything = csv_rows(client.get(FILES, {"format": "csv"}))
    filed = csv_rows(client.get(FILES, {"format": "csv", "status": FileStatus.FILED}))

    assert everything[0][:4] == ["File no.", "Unit", "Worker", "ID number"]
    assert _names(everything) == {"王甲", "王乙"}
    assert _names(filed) == {"王甲"}
    assert filed[1][0] == str(mine.pk)


def test_file_export_in_xlsx_matches_the_csv(client_for, branch_chair, group_a1, group_a2):
    HardshipFileFactory(unit=group_a1, name="王甲")
    HardshipFileFactory(unit=group_a2, name="李丙")
    client = client_for(branch_chair)

    response = client.get(FILES, {"format": "xlsx", "sort": "name"})

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="hardship-files.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert [r[2] for r in rows[1:]] == ["李丙", "王甲"]  # sorted by name, like the page
    assert rows[1:] and all(isinstance(r[0], int) for r in rows[1:])


def test_out_of_scope_users_export_nothing_of_another_unit(client_for, cadre_other_branch, nobody, group_a1):
    HardshipFileFactory(unit=group_a1, name="王甲")
    for user in (cadre_other_branch, nobody):
        rows = csv_rows(client_for(user).get(FILES, {"format": "csv", "unit": str(group_a1.pk)}))
        assert _names(rows) == set()


def test_export_needs_a_login_and_a_known_format(client, client_for, cadre):
    assert client.get(FILES, {"format": "csv"}).status_code == 302
    assert client_for(cadre).get(FILES, {"format": "pdf"}).status_code == 404


def test_id_numbers_are_masked_for_federation_staff_and_full_for_the_cadre(
    client_for, cadre, federation_staff, group_a1
):
    hfile = HardshipFileFactory(unit=group_a1, phone="13812345678")

    cadre_row = csv_rows(client_for(cadre).get(FILES, {"format": "csv"}))[1]
    staff_row = csv_rows(client_for(federation_staff).get(FILES, {"format": "csv"}))[1]

    assert cadre_row[3] == hfile.id_number
    assert cadre_row[4] == "13812345678"
    assert staff_row[3] == hfile.id_number[:6] + "********" + hfile.id_number[-4:]
    assert staff_row[4] == "138****5678"
    assert hfile.id_number not in "".join(staff_row)


def test_csv_cells_that_would_run_as_formulas_are_defused(client_for, cadre, group_a1):
    HardshipFileFactory(unit=group_a1, name='=HYPERLINK("http://x")')
    HardshipFileFactory(unit=group_a1, name="+1")
    HardshipFileFactory(unit=group_a1, name="@SUM(A1)")
    HardshipFileFactory(unit=group_a1, name="-2")

    names = _names(csv_rows(client_for(cadre).get(FILES, {"format": "csv"})))

    assert names == {'\'=HYPERLINK("http://x")', "'+1", "'@SUM(A1)", "'-2"}


def test_xlsx_text_starting_with_equals_stays_text(client_for, cadre, group_a1):
    HardshipFileFactory(unit=group_a1, name="=1+1")

    cells = xlsx_cells(client_for(cadre).get(FILES, {"format": "xlsx"}))

    assert not [c for c in cells if c.data_type == "f"]
    assert "=1+1" in [c.value for c in cells]


def test_a_bad_filter_goes_back_to_the_list_with_a_message(client_for, cadre):
    response = client_for(cadre).get(FILES, {"format": "csv", "tier": "999999"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("cases:file_list"))


def test_file_export_queries_do_not_grow_with_rows(
    client_for, branch_chair, group_a1, group_a2, django_assert_max_num_queries
):
    client = client_for(branch_chair)
    HardshipFileFactory(unit=group_a1)
    client.get(FILES, {"format": "csv"})  # warm the scope and configuration caches
    with django_assert_max_num_queries(6) as few:
        assert len(csv_rows(client.get(FILES, {"format": "csv"}))) == 2
    HardshipFileFactory.create_batch(30, unit=group_a2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(csv_rows(client.get(FILES, {"format": "csv"}))) == 32


def test_aid_export_follows_the_status_filter_and_scope(client_for, cadre, cadre_other_branch, group_a1):
    from funds.services import aid_request_create
    from tests.funds.helpers import medical

    hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED, name="王甲", created_by=cadre)
    aid_request_create(hfile=hfile, data=medical(funded(group_a1, "5000.00")), by=cadre)
    url = reverse("sheets:export_aid")

    drafts = csv_rows(client_for(cadre).get(url, {"format": "csv", "status": "draft"}))
    paid = csv_rows(client_for(cadre).get(url, {"format": "csv", "status": "paid"}))
    other = csv_rows(client_for(cadre_other_branch).get(url, {"format": "csv"}))

    assert [r[2] for r in drafts[1:]] == ["王甲"]
    assert drafts[1][3] == hfile.id_number
    assert paid[1:] == [] and other[1:] == []


def test_statement_export_is_the_funds_statement_and_404_out_of_scope(
    client_for, branch_chair, chair_other_branch, branch_a, django_assert_max_num_queries
):
    fund = funded(branch_a, "800.00")
    url = reverse("sheets:export_statement", args=[fund.pk])

    rows = xlsx_rows(client_for(branch_chair).get(url, {"format": "xlsx"}))

    assert rows[0][:3] == ["Time", "Transaction", "Kind"]
    assert [r[7] for r in rows[1:]] == [800]
    assert client_for(chair_other_branch).get(url, {"format": "csv"}).status_code == 404


def test_statement_export_refuses_a_period_that_ends_before_it_starts(client_for, branch_chair, branch_a):
    fund = funded(branch_a, "800.00")
    url = reverse("sheets:export_statement", args=[fund.pk])

    response = client_for(branch_chair).get(url, {"format": "csv", "start": "2026-05-01", "end": "2026-04-01"})

    assert response.status_code == 302


def test_visit_export_masks_notes_for_federation_staff_and_is_404_out_of_scope(
    client_for, cadre, federation_staff, cadre_other_branch, group_a1
):
    hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED)
    VisitFactory(file=hfile, notes="住院治疗")
    url = reverse("sheets:export_visits", args=[hfile.pk])

    assert csv_rows(client_for(cadre).get(url, {"format": "csv"}))[1][6] == "住院治疗"
    assert csv_rows(client_for(federation_staff).get(url, {"format": "csv"}))[1][6] == "***"
    assert client_for(cadre_other_branch).get(url, {"format": "csv"}).status_code == 404


def test_headers_follow_the_users_language(client_for, cadre, group_a1):
    HardshipFileFactory(unit=group_a1)

    rows = csv_rows(client_for(cadre, language="zh-hans").get(FILES, {"format": "csv"}))

    assert rows[0][2] != "Worker"  # translated


def test_a_chair_of_another_branch_cannot_reach_a_sibling_branch_file(client_for, group_b1, branch_a):
    user = UserFactory(roles=[(branch_a, Role.BRANCH_CHAIR)])
    HardshipFileFactory(unit=group_b1, name="张丁")
    assert _names(csv_rows(client_for(user).get(FILES, {"format": "csv", "status": "all"}))) == set()


def test_aid_and_visit_exports_queries_do_not_grow_with_rows(
    client_for, cadre, group_a1, django_assert_max_num_queries
):
    from funds.services import aid_request_create
    from tests.funds.helpers import medical

    client = client_for(cadre)
    hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED, created_by=cadre)
    fund = funded(group_a1, "90000.00")
    aid_url, visits_url = reverse("sheets:export_aid"), reverse("sheets:export_visits", args=[hfile.pk])

    def counts() -> tuple[int, int]:
        with django_assert_max_num_queries(20) as aid:
            csv_rows(client.get(aid_url, {"format": "csv"}))
        with django_assert_max_num_queries(20) as visits:
            csv_rows(client.get(visits_url, {"format": "csv"}))
        return len(aid.captured_queries), len(visits.captured_queries)

    aid_request_create(hfile=hfile, data=medical(fund, invoices=["A-0"]), by=cadre)
    VisitFactory(file=hfile)
    counts()  # warm the caches
    few = counts()
    for i in range(1, 8):
        aid_request_create(hfile=hfile, data=medical(fund, invoices=[f"A-{i}"], duplicate_reason="再次"), by=cadre)
    VisitFactory.create_batch(8, file=hfile)
    assert counts() == few
