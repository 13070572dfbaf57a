"""Every URL, every persona: in the object's unit, a sibling unit, above it, and nobody.

A new named URL without a row here fails `test_every_url_has_a_row`.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AccessLog, Action
from cases.workflow import FileStatus
from tests.api.matrix import API_ROWS
from tests.cases.notice_helpers import notice_args, noticed_file_args, objection_args
from tests.factories import HardshipFileFactory, MonitoringFlagFactory, VisitAttachmentFactory, VisitFactory
from tests.funds.batch_helpers import approved_line_args, batch_args, batch_line_args, delivered_line_args
from tests.funds.helpers import (
    aid_args,
    aid_decide_args,
    document_args,
    document_remove_args,
    fund_args,
    fund_year_args,
    paid_aid_args,
    transaction_args,
)

PERSONAS = [
    "anonymous",
    "cadre",
    "cadre_a2",
    "cadre_other_branch",
    "branch_chair",
    "chair_other_branch",
    "federation_staff",
    "nobody",
]

# One row per URL: how to build its args from the file (a submitted file in group A1), then the
# expected GET status for each persona, in the order of PERSONAS:
#   anonymous, cadre, cadre_a2 (sibling group), cadre_other_branch, branch_chair,
#   chair_other_branch, federation_staff, nobody
# 302 for a signed-in persona means "in scope but not allowed": back to the file page with a message.
NO_ARGS, FILE_ARG = (lambda f: []), (lambda f: [f.pk])


def _filed(f) -> list[int]:
    """The file as a filed household, the state in which visits are recorded."""
    type(f).objects.filter(pk=f.pk).update(status=FileStatus.FILED)
    return [f.pk]


def _relief_ready(f) -> list[int]:
    """The file filed, with its plan's goals met: it meets the default relief rule."""
    import datetime as dt

    from cases.models import AssistancePlan

    _filed(f)
    AssistancePlan.objects.create(file=f, goal="目标", goals_met_on=dt.date.today())
    return [f.pk]


def _relief_pending(f) -> list[int]:
    from cases.relief_models import ReliefProposal

    _relief_ready(f)
    ReliefProposal.objects.create(file=f, basis="plan_goals_met", proposed_by=f.created_by)
    return [f.pk]


def _temporary(f) -> list[int]:
    type(f).objects.filter(pk=f.pk).update(kind="temporary")
    return [f.pk]


def _transfer(f) -> list[int]:
    """A transfer of the file from group A1 to group B1, awaiting branch B's chair."""
    from cases.transfer.models import FileTransfer
    from org.models import Unit

    to_unit = Unit.objects.get(name_en="Group B1")
    return [
        FileTransfer.objects.create(
            file=f, from_unit=f.unit, to_unit=to_unit, reason="调动", requested_by=f.created_by
        ).pk
    ]


def _notification(f) -> list[int]:
    from notices.models import Notification

    return [Notification.objects.create(user=f.created_by, kind="visits.monthly").pk]


def _report(f) -> list[int]:
    """A queued report on the matrix file's unit (so not downloadable yet)."""
    from reports.models import Report

    report = Report.objects.create(
        kind="annual_summary", unit=f.unit, params={"year": 2025}, language="en", key="matrix", title="Matrix",
        requested_by=f.created_by,
    )  # fmt: skip
    return [report.pk]


def _import_job(f) -> list[int]:
    """An upload by the matrix file's cadre."""
    from sheets.models import ImportJob

    return [ImportJob.objects.create(created_by=f.created_by, filename="files.csv", content=b"", status="invalid").pk]


ROWS = {
    "dashboard": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "cases:file_list": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "cases:file_create": (NO_ARGS, (302, 200, 200, 200, 200, 200, 403, 403)),
    "cases:file_detail": (FILE_ARG, (302, 200, 404, 404, 200, 404, 200, 404)),
    "cases:file_history": (FILE_ARG, (302, 200, 404, 404, 200, 404, 200, 404)),
    # The access log of a household: federation staff only.
    "cases:file_access_log": (FILE_ARG, (302, 403, 404, 404, 403, 404, 200, 404)),
    "cases:file_update": (FILE_ARG, (302, 200, 404, 404, 200, 404, 302, 404)),
    "cases:plan_edit": (FILE_ARG, (302, 200, 404, 404, 200, 404, 302, 404)),
    "cases:file_tier": (FILE_ARG, (302, 302, 404, 404, 200, 404, 302, 404)),
    "cases:file_transition": (lambda f: [f.pk, "investigate"], (302, 302, 404, 404, 200, 404, 302, 404)),
    # Public notice: branch notices are seen in the branch and above (a group's cadre sees the household's card).
    "cases:notice_list": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "cases:notice_create": (NO_ARGS, (302, 403, 403, 403, 200, 200, 403, 403)),
    "cases:notice_detail": (notice_args, (302, 404, 404, 404, 200, 404, 200, 404)),
    "cases:objection_create": (noticed_file_args, (302, 200, 404, 404, 200, 404, 302, 404)),
    "cases:objection_decide": (objection_args, (302, 302, 404, 404, 200, 404, 302, 404)),
    # Annual review: everyone has their own list; a filed household of group A1 is reviewed by its cadres and chairs.
    "cases:review_list": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "cases:review_overdue": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "cases:review_create": (_filed, (302, 200, 404, 404, 200, 404, 302, 404)),
    # Relief: cadres and chairs propose, a chair decides; federation staff read the file only.
    "cases:relief_propose": (_relief_ready, (302, 200, 404, 404, 200, 404, 302, 404)),
    "cases:relief_decide": (_relief_pending, (302, 302, 404, 404, 200, 404, 302, 404)),
    "cases:file_convert": (_temporary, (302, 200, 404, 404, 200, 404, 302, 404)),
    # Transfers: both sides see the request (group A1 → group B1); only branch B's chair decides.
    # Duplicates: anyone who sees the file sees its warnings; merging is a chair's.
    "cases:file_duplicates": (FILE_ARG, (302, 200, 404, 404, 200, 404, 200, 404)),
    "cases:file_merge": (FILE_ARG, (302, 302, 404, 404, 200, 404, 302, 404)),
    "cases:transfer_create": (FILE_ARG, (302, 302, 404, 404, 200, 404, 302, 404)),
    "cases:transfer_list": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "cases:transfer_detail": (_transfer, (302, 200, 404, 200, 200, 200, 200, 404)),
    "cases:transfer_accept": (_transfer, (302, 302, 404, 302, 302, 200, 302, 404)),
    "cases:transfer_refuse": (_transfer, (302, 302, 404, 302, 302, 200, 302, 404)),
    "cases:transfer_cancel": (_transfer, (405,) * 8),  # POST only
    "visits:my_visits": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "visits:compliance": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "visits:flag_list": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "visits:file_visits": (FILE_ARG, (302, 200, 404, 404, 200, 404, 200, 404)),
    "visits:visit_create": (_filed, (302, 200, 404, 404, 200, 404, 302, 404)),
    "visits:visit_detail": (lambda f: [VisitFactory(file=f).pk], (302, 200, 404, 404, 200, 404, 200, 404)),
    "visits:attachment": (
        lambda f: [VisitAttachmentFactory(visit__file=f).pk],
        (302, 200, 404, 404, 200, 404, 200, 404),
    ),
    "visits:flag_handle": (lambda f: [MonitoringFlagFactory(file=f).pk], (302, 200, 404, 404, 200, 404, 302, 404)),
    # The installable visits app: manifest and service worker hold no data; the phone's endpoints answer JSON
    # (401 for anonymous), sync and conflict resolution are POST only (their own tests check scope).
    "visits:offline_manifest": (NO_ARGS, (200,) * 8),
    "visits:offline_worker": (NO_ARGS, (200,) * 8),
    "visits:offline_form": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "visits:offline_households": (NO_ARGS, (401, 200, 200, 200, 200, 200, 200, 200)),
    "visits:offline_sync": (NO_ARGS, (405,) * 8),
    "visits:offline_conflict_resolve": (lambda f: [1], (405,) * 8),
    # Funds: a fund of group A1 holding money. Cadres see their unit's funds read-only (403 on moving money).
    "funds:fund_list": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "funds:fund_detail": (fund_args, (302, 200, 404, 404, 200, 404, 200, 404)),
    "funds:fund_allocate": (fund_args, (302, 403, 404, 404, 200, 404, 200, 404)),
    "funds:fund_transfer": (fund_args, (302, 403, 404, 404, 200, 404, 200, 404)),
    "funds:fund_budget": (fund_args, (302, 403, 404, 404, 200, 404, 200, 404)),
    "funds:fund_reconciliation": (fund_year_args, (302, 200, 404, 404, 200, 404, 200, 404)),
    "funds:transaction_reverse": (transaction_args, (302, 403, 404, 404, 200, 404, 200, 404)),
    # Aid: a draft medical request of the (filed) matrix file by its cadre; chairs and federation staff pay.
    "funds:aid_list": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "funds:aid_queue": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "funds:aid_create": (NO_ARGS, (302, 200, 200, 200, 200, 200, 403, 403)),
    "funds:aid_detail": (aid_args, (302, 200, 404, 404, 200, 404, 200, 404)),
    "funds:aid_update": (aid_args, (302, 200, 404, 404, 200, 404, 302, 404)),
    "funds:aid_submit": (aid_args, (302, 405, 405, 405, 405, 405, 405, 405)),  # POST only
    "funds:aid_decide": (aid_decide_args, (302, 405, 405, 405, 405, 405, 405, 405)),  # POST only
    "funds:aid_pay": (aid_args, (302, 405, 405, 405, 405, 405, 405, 405)),  # POST only
    "funds:aid_reverse": (paid_aid_args, (302, 302, 404, 404, 200, 404, 200, 404)),
    "funds:aid_receipt": (paid_aid_args, (302, 200, 404, 404, 200, 404, 200, 404)),
    # Evidence: adding and removing are POST only; a copy is downloaded by whoever sees the request.
    "funds:aid_evidence_add": (aid_args, (302, 405, 405, 405, 405, 405, 405, 405)),
    "funds:aid_evidence_remove": (document_remove_args, (302, 405, 405, 405, 405, 405, 405, 405)),
    "funds:aid_document": (document_args, (302, 200, 404, 404, 200, 404, 200, 404)),
    # Condolence batches: a draft batch of branch A holding the (filed) matrix file; chairs and federation staff
    # manage it, the cadre of the file's group sees it (their households only) and records deliveries.
    "funds:batch_list": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "funds:batch_create": (NO_ARGS, (302, 403, 403, 403, 200, 200, 200, 403)),
    "funds:batch_detail": (batch_args, (302, 200, 404, 404, 200, 404, 200, 404)),
    "funds:batch_sheet": (batch_args, (302, 200, 404, 404, 200, 404, 200, 404)),
    "funds:batch_approve": (batch_args, (302, 405, 405, 405, 405, 405, 405, 405)),  # POST only
    "funds:batch_close": (batch_args, (302, 405, 405, 405, 405, 405, 405, 405)),  # POST only
    "funds:batch_cancel": (batch_args, (302, 302, 404, 404, 200, 404, 200, 404)),
    "funds:batch_line_exclude": (batch_line_args, (302, 302, 404, 404, 200, 404, 200, 404)),
    "funds:batch_line_include": (batch_line_args, (302, 405, 405, 405, 405, 405, 405, 405)),  # POST only
    "funds:batch_line_deliver": (approved_line_args, (302, 200, 404, 404, 200, 404, 403, 404)),
    "funds:batch_line_reverse": (delivered_line_args, (302, 302, 404, 404, 200, 404, 200, 404)),
    # Notifications: everyone has their own list; marking read is POST only (its own tests check 404 for others).
    "notices:notification_list": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "notices:notification_read": (_notification, (405,) * 8),
    "notices:notification_read_all": (NO_ARGS, (405,) * 8),
    "notices:preferences": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    # Reports: seen by whoever's scope holds the report's unit; summaries asked for by chairs and federation staff.
    "reports:report_list": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "reports:report_create": (lambda f: ["annual_summary"], (405,) * 8),  # POST only
    "reports:report_detail": (_report, (302, 200, 404, 404, 200, 404, 200, 404)),
    "reports:report_status": (_report, (302, 200, 404, 404, 200, 404, 200, 404)),
    "reports:report_download": (_report, (302, 302, 404, 404, 302, 404, 302, 404)),  # not ready: back to its page
    "reports:report_regenerate": (_report, (405,) * 8),  # POST only
    "reports:annual_summary": (NO_ARGS, (302, 403, 403, 403, 200, 200, 200, 403)),
    "reports:annual_summary_finalise": (NO_ARGS, (405,) * 8),  # POST only
    # The drill-downs: a link naming a unit out of scope is the form's message, never a row (tests/reports).
    "reports:annual_files": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "reports:annual_visits": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "reports:annual_aid": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    # Exports hold only what the list shows the user (an empty table out of scope); a fund or file out of scope is 404.
    "sheets:export_files": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "sheets:export_aid": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "sheets:export_statement": (fund_args, (302, 200, 404, 404, 200, 404, 200, 404)),
    "sheets:export_visits": (FILE_ARG, (302, 200, 404, 404, 200, 404, 200, 404)),
    # Import is for those who may open files; an upload is seen only by its uploader (the cadre here).
    "sheets:import_start": (NO_ARGS, (302, 200, 200, 200, 200, 200, 403, 403)),
    "sheets:import_template": (NO_ARGS, (302, 200, 200, 200, 200, 200, 403, 403)),
    "sheets:import_detail": (_import_job, (302, 200, 404, 404, 404, 404, 404, 404)),
    "sheets:import_status": (_import_job, (302, 200, 404, 404, 404, 404, 404, 404)),
    "sheets:import_confirm": (_import_job, (405,) * 8),  # POST only
    # Sessions: everyone has their own list; ending is POST only (tests/security/test_sessions.py: never another's).
    "accounts:session_list": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "accounts:session_end": (lambda f: [1], (405,) * 8),
    "accounts:session_end_others": (NO_ARGS, (405,) * 8),
    # Two-factor login: offered to federation staff and administrators; the code step needs a password first.
    "accounts:two_factor": (NO_ARGS, (302, 403, 403, 403, 403, 403, 200, 403)),
    "login_code": (NO_ARGS, (302,) * 8),
    "login": (NO_ARGS, (200, 302, 302, 302, 302, 302, 302, 302)),
    # The admin signs in through the app's login (and its second factor): a redirect for everyone.
    "admin_login": (NO_ARGS, (302,) * 8),
    "logout": (NO_ARGS, (405,) * 8),  # POST only
    "set_language": (NO_ARGS, (302,) * 8),
}
ROWS.update(API_ROWS)
MATRIX = {name: (build, dict(zip(PERSONAS, statuses, strict=True))) for name, (build, statuses) in ROWS.items()}
# Django's admin has its own staff check (tested in test_admin_is_for_staff_only).
EXEMPT_NAMESPACES = {"admin"}


def _named_urls(resolver=None, namespace: str = "") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            if ns in EXEMPT_NAMESPACES:
                continue
            names |= _named_urls(pattern, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_url_has_a_row():
    assert _named_urls() == set(MATRIX), "add the new URL to MATRIX with the expected status per persona"


@pytest.fixture
def submitted_file(group_a1, cadre):
    return HardshipFileFactory(unit=group_a1, created_by=cadre, status=FileStatus.SUBMITTED)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_status_per_persona(
    request,
    client,
    submitted_file,
    cadre_other_branch,
    chair_other_branch,
    branch_chair,
    federation_staff,
    nobody,
    name,
    persona,
):
    build, expected = MATRIX[name]
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(name, args=build(submitted_file)))
    assert response.status_code == expected[persona], f"{name} as {persona}"
    # Every refusal by role is in the access log; a page shown, a redirect or a 404 adds no such row.
    refusals = AccessLog.objects.filter(action=Action.FORBIDDEN)
    assert refusals.count() == (1 if response.status_code == 403 and persona != "anonymous" else 0)


def test_admin_is_for_staff_only(client, branch_chair, file_a1):
    client.force_login(branch_chair)
    response = client.get(reverse("admin:cases_hardshipfile_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
