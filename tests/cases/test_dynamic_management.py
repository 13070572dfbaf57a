"""Dynamic management: handing over to government support, relapse into the same file, temporary files, transition."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import FileEvent, HardshipFile
from cases.services import TransitionNotAllowed, add_years, file_transition
from cases.temporary import file_convert_to_formal
from cases.workflow import CloseReason, FileAction, FileKind, FileRecord, FileStatus, HandoverReason
from dashboard.figures import compute_figures
from tests.factories import HardshipFileFactory

from .helpers import create_file
from .test_lifecycle import filed_file, investigate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Services answer in the active language; a Chinese page request must not leak into the next test."""
    with translation.override("en"):
        yield


def relieve(hfile, chair, *, ends: dt.date | None = None):
    today = timezone.localdate()
    return file_transition(
        hfile=hfile, action=FileAction.RELIEVE, by=chair, relieved_on=today, relief_reason="再就业",
        transition_ends_on=ends or add_years(today, 5),
    )  # fmt: skip


# --- handed to government support ---------------------------------------------------------------


def hand_over(hfile, by, comment="重度残疾，转民政兜底"):
    return file_transition(
        hfile=hfile, action=FileAction.HAND_OVER, by=by, comment=comment, handover_reason=HandoverReason.DISABILITY
    )


def test_a_chair_hands_a_household_to_government_support_with_a_reason(cadre, branch_chair, group_a1):
    hfile = hand_over(filed_file(cadre, branch_chair, group_a1), branch_chair)
    assert hfile.status == FileStatus.HANDED_OVER and hfile.handover_reason == HandoverReason.DISABILITY
    assert hfile.handed_over_on == timezone.localdate() and hfile.review_due_on is None
    event = FileEvent.objects.get(file=hfile, action=FileAction.HAND_OVER)
    assert event.actor == branch_chair and "民政" in event.comment


def test_handing_over_needs_a_chair_and_a_comment(cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    with pytest.raises(TransitionNotAllowed):
        hand_over(hfile, cadre)
    with pytest.raises(TransitionNotAllowed):
        hand_over(hfile, branch_chair, comment=" ")
    assert HardshipFile.objects.get(pk=hfile.pk).status == FileStatus.FILED


def test_a_draft_cannot_be_handed_over(cadre, branch_chair, group_a1):
    with pytest.raises(TransitionNotAllowed):
        hand_over(create_file(by=cadre, unit=group_a1), branch_chair)


def test_handed_over_households_leave_the_active_count_with_their_reason(branch_chair, group_a1):
    HardshipFileFactory(unit=group_a1, status=FileStatus.FILED)
    HardshipFileFactory.create_batch(
        2, unit=group_a1, status=FileStatus.HANDED_OVER, handover_reason=HandoverReason.SERIOUS_ILLNESS
    )
    HardshipFileFactory(unit=group_a1, status=FileStatus.CLOSED)
    counts = compute_figures(user=branch_chair, today=timezone.localdate())
    assert counts.open_total == 1
    assert counts.by_status[FileStatus.HANDED_OVER] == 2
    assert counts.handed_over_rows() == [("Serious illness", 2)]


def test_the_file_list_shows_the_active_caseload_unless_asked(client_for, branch_chair, group_a1):
    active = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED)
    gone = HardshipFileFactory(unit=group_a1, status=FileStatus.HANDED_OVER, handover_reason="disability")
    closed = HardshipFileFactory(unit=group_a1, status=FileStatus.CLOSED)
    client = client_for(branch_chair)

    def listed(**params):
        return {r.pk for r in client.get(reverse("cases:file_list"), params).context["page"].items}

    assert listed() == {active.pk}
    assert listed(q="") == {active.pk}
    assert listed(status="handed_over") == {gone.pk}
    assert listed(status="all") == {active.pk, gone.pk, closed.pk}


def test_the_dashboard_names_the_handover_reasons(client_for, branch_chair, group_a1):
    HardshipFileFactory(unit=group_a1, status=FileStatus.HANDED_OVER, handover_reason="serious_illness")
    page = client_for(branch_chair, "zh-hans").get(reverse("dashboard")).content.decode()
    assert "移交政府兜底" in page and "大病" in page


# --- relapse --------------------------------------------------------------------------------------


def test_a_relieved_household_relapses_into_the_same_file_and_is_identified_again(cadre, branch_chair, group_a1):
    hfile = relieve(filed_file(cadre, branch_chair, group_a1), branch_chair)
    events_before = FileEvent.objects.filter(file=hfile).count()
    again = file_transition(hfile=hfile, action=FileAction.RELAPSE, by=cadre, comment="再次失业，妻子病重")
    assert again.pk == hfile.pk and again.status == FileStatus.DRAFT
    assert again.relieved_on is None and again.transition_ends_on is None
    assert FileEvent.objects.filter(file=hfile).count() == events_before + 1
    assert FileEvent.objects.filter(file=hfile, action=FileAction.RELAPSE).count() == 1
    file_transition(hfile=again, action=FileAction.SUBMIT, by=cadre)
    investigate(again, branch_chair)
    refiled = file_transition(hfile=again, action=FileAction.FILE, by=branch_chair)
    assert refiled.status == FileStatus.FILED and refiled.pk == hfile.pk
    # The whole history is still there: the first filing, the relief, the relapse, the second filing.
    actions = list(FileEvent.objects.filter(file=hfile).order_by("pk").values_list("action", flat=True))
    assert actions.count(FileAction.FILE) == 2 and FileAction.RELIEVE in actions


def test_relapses_are_counted_per_year_in_scope(cadre, branch_chair, group_a1, cadre_other_branch):
    from cases.relief import relapses_per_year_for_user

    hfile = relieve(filed_file(cadre, branch_chair, group_a1), branch_chair)
    file_transition(hfile=hfile, action=FileAction.RELAPSE, by=cadre, comment="返困")
    year = timezone.localdate().year
    FileEvent.objects.filter(action=FileAction.RELAPSE).update(at=timezone.now().replace(year=year - 1))
    file_transition(hfile=hfile, action=FileAction.SUBMIT, by=cadre)
    investigate(hfile, branch_chair)
    relieve(file_transition(hfile=hfile, action=FileAction.FILE, by=branch_chair), branch_chair)
    file_transition(hfile=hfile, action=FileAction.RELAPSE, by=cadre, comment="再次返困")
    assert relapses_per_year_for_user(user=branch_chair) == [(year - 1, 1), (year, 1)]
    assert relapses_per_year_for_user(user=cadre_other_branch) == []


def test_a_closed_household_relapses_unless_closed_as_deceased_or_duplicate(cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    file_transition(hfile=hfile, action=FileAction.CLOSE, by=branch_chair, close_reason=CloseReason.INELIGIBLE)
    again = file_transition(hfile=hfile, action=FileAction.RELAPSE, by=cadre, comment="收入骤降")
    assert again.status == FileStatus.DRAFT and again.close_reason == "" and again.closed_on is None
    deceased = filed_file(cadre, branch_chair, group_a1)
    file_transition(hfile=deceased, action=FileAction.CLOSE, by=branch_chair, close_reason=CloseReason.DECEASED)
    with pytest.raises(TransitionNotAllowed, match="cannot relapse"):
        file_transition(hfile=deceased, action=FileAction.RELAPSE, by=cadre, comment="误操作")
    assert HardshipFile.objects.get(pk=deceased.pk).status == FileStatus.CLOSED


def test_a_filed_household_cannot_relapse(cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    with pytest.raises(TransitionNotAllowed):
        file_transition(hfile=hfile, action=FileAction.RELAPSE, by=cadre, comment="返困")
    assert not FileEvent.objects.filter(file=hfile, action=FileAction.RELAPSE).exists()


def test_a_relapse_needs_a_comment(cadre, branch_chair, group_a1):
    hfile = relieve(filed_file(cadre, branch_chair, group_a1), branch_chair)
    with pytest.raises(TransitionNotAllowed):
        file_transition(hfile=hfile, action=FileAction.RELAPSE, by=cadre, comment="")


def test_a_closed_file_cannot_relapse_while_the_id_has_another_open_file(cadre, branch_chair, group_a1):
    first = filed_file(cadre, branch_chair, group_a1)
    file_transition(hfile=first, action=FileAction.CLOSE, by=branch_chair, close_reason=CloseReason.LEFT_UNION)
    create_file(by=cadre, unit=group_a1, id_number=first.id_number)
    with pytest.raises(TransitionNotAllowed):
        file_transition(hfile=first, action=FileAction.RELAPSE, by=cadre, comment="返困")


def test_an_out_of_scope_cadre_cannot_record_a_relapse(cadre, branch_chair, cadre_other_branch, group_a1):
    hfile = relieve(filed_file(cadre, branch_chair, group_a1), branch_chair)
    with pytest.raises(TransitionNotAllowed):
        file_transition(hfile=hfile, action=FileAction.RELAPSE, by=cadre_other_branch, comment="返困")
    assert client_get_status(cadre_other_branch, reverse("cases:file_transition", args=[hfile.pk, "relapse"])) == 404


def client_get_status(user, url: str) -> int:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.get(url).status_code


def test_relief_is_not_offered_as_a_plain_step(client_for, cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    response = client_for(branch_chair).get(reverse("cases:file_transition", args=[hfile.pk, "relieve"]))
    assert response.status_code == 302
    assert HardshipFile.objects.get(pk=hfile.pk).status == FileStatus.FILED


# --- temporary files ------------------------------------------------------------------------------


def test_a_temporary_file_is_not_filed_until_converted_and_keeps_its_data(cadre, branch_chair, group_a1):
    temp = create_file(by=cadre, unit=group_a1, kind=FileKind.TEMPORARY, worker_income=Decimal("2100"))
    assert temp.kind == FileKind.TEMPORARY
    file_transition(hfile=temp, action=FileAction.SUBMIT, by=cadre)
    investigate(temp, branch_chair)
    with pytest.raises(TransitionNotAllowed, match="temporary"):
        file_transition(hfile=temp, action=FileAction.FILE, by=branch_chair)
    members_before = list(temp.members.values_list("name", "monthly_income"))
    formal = file_convert_to_formal(hfile=temp, by=cadre, comment="收入下降，转正式档案")
    assert formal.kind == FileKind.FORMAL and formal.status == FileStatus.INVESTIGATED
    assert formal.worker_income == Decimal("2100.00")
    assert list(formal.members.values_list("name", "monthly_income")) == members_before
    assert FileEvent.objects.filter(file=temp, action=FileRecord.CONVERT, actor=cadre).exists()
    assert file_transition(hfile=formal, action=FileAction.FILE, by=branch_chair).status == FileStatus.FILED


def test_converting_a_formal_file_is_refused(cadre, group_a1):
    formal = create_file(by=cadre, unit=group_a1)
    with pytest.raises(ValidationError, match="already a formal file"):
        file_convert_to_formal(hfile=formal, by=cadre)
    assert not FileEvent.objects.filter(file=formal, action=FileRecord.CONVERT).exists()


def test_converting_needs_a_role_in_the_unit(cadre, cadre_other_branch, federation_staff, group_a1):
    temp = create_file(by=cadre, unit=group_a1, kind=FileKind.TEMPORARY)
    for outsider in (cadre_other_branch, federation_staff):
        with pytest.raises(PermissionDenied):
            file_convert_to_formal(hfile=temp, by=outsider)
    assert HardshipFile.objects.get(pk=temp.pk).kind == FileKind.TEMPORARY


def test_an_unknown_kind_is_refused(cadre, group_a1):
    with pytest.raises(ValidationError):
        create_file(by=cadre, unit=group_a1, kind="provisional")
    assert not HardshipFile.objects.exists()


def test_temporary_files_stay_out_of_the_formal_counts(branch_chair, group_a1):
    HardshipFileFactory(unit=group_a1, status=FileStatus.FILED)
    HardshipFileFactory.create_batch(3, unit=group_a1, kind=FileKind.TEMPORARY, status=FileStatus.SUBMITTED)
    counts = compute_figures(user=branch_chair, today=timezone.localdate())
    assert counts.open_total == 1 and counts.temporary == 3
    assert FileStatus.SUBMITTED not in counts.by_status


def test_the_convert_page_is_scoped_and_converts(client_for, cadre, cadre_other_branch, group_a1):
    temp = create_file(by=cadre, unit=group_a1, kind=FileKind.TEMPORARY)
    url = reverse("cases:file_convert", args=[temp.pk])
    assert client_for(cadre_other_branch).post(url, {"comment": "x"}).status_code == 404
    assert HardshipFile.objects.get(pk=temp.pk).kind == FileKind.TEMPORARY
    response = client_for(cadre).post(url, {"comment": "转正式"})
    assert response.status_code == 302 and HardshipFile.objects.get(pk=temp.pk).kind == FileKind.FORMAL
    # A formal file has nothing to convert: back to the file with a message, nothing written.
    assert client_for(cadre).post(url, {"comment": "again"}).status_code == 302
    assert FileEvent.objects.filter(file=temp, action=FileRecord.CONVERT).count() == 1


def test_a_new_file_may_be_temporary_from_the_form(client_for, cadre, group_a1):
    from .test_views import post_data

    response = client_for(cadre).post(reverse("cases:file_create"), {**post_data(group_a1.pk), "kind": "temporary"})
    assert response.status_code == 302
    assert HardshipFile.objects.get().kind == FileKind.TEMPORARY


# --- the transition period ------------------------------------------------------------------------


def test_a_relieved_household_in_transition_can_still_receive_filed_only_aid(cadre, branch_chair, group_a1):
    from funds.services import aid_request_create
    from tests.factories import funded
    from tests.funds.helpers import aid_type, medical

    fund = funded(group_a1, "10000.00")
    hfile = relieve(filed_file(cadre, branch_chair, group_a1), branch_chair)
    data = medical(fund, "1000.00", invoices=())
    data.aid_type = aid_type("living")
    assert aid_type("living").filed_only
    assert aid_request_create(hfile=hfile, data=data, by=cadre).pk


def test_after_the_transition_period_filed_only_aid_is_refused(cadre, branch_chair, group_a1):
    from funds.models import AidRequest
    from funds.services import aid_request_create
    from tests.factories import funded
    from tests.funds.helpers import aid_type, medical

    fund = funded(group_a1, "10000.00")
    hfile = relieve(filed_file(cadre, branch_chair, group_a1), branch_chair)
    HardshipFile.objects.filter(pk=hfile.pk).update(transition_ends_on=timezone.localdate() - dt.timedelta(days=1))
    hfile.refresh_from_db()
    data = medical(fund, "1000.00", invoices=())
    data.aid_type = aid_type("living")
    with pytest.raises(ValidationError, match="transition period"):
        aid_request_create(hfile=hfile, data=data, by=cadre)
    assert not AidRequest.objects.exists()


def test_a_relieved_file_keeps_its_plan(cadre, branch_chair, group_a1):
    from cases.services import plan_save

    hfile = filed_file(cadre, branch_chair, group_a1)
    plan_save(
        hfile=hfile, by=cadre, goal="稳定就业", guarantees=["employment"], target_date=None, measures=[], helpers=[]
    )
    relieved = relieve(hfile, branch_chair)
    assert relieved.plan.goal == "稳定就业"
