"""The API's rows of the permission matrix (tests/test_url_matrix.py), in the same persona order:
anonymous, cadre, cadre_a2 (sibling group), cadre_other_branch, branch_chair, chair_other_branch,
federation_staff, nobody. Anonymous callers get 401; out of scope is 404, as for the pages;
405 means the URL takes other methods than GET (their own tests check those per persona).
"""

from tests.factories import MemberFactory

NO_ARGS, FILE_ARG = (lambda f: []), (lambda f: [f.pk])
IN_FILE_SCOPE = (401, 200, 404, 404, 200, 404, 200, 404)
EVERYONE = (401, 200, 200, 200, 200, 200, 200, 200)
POST_ONLY = (401,) + (405,) * 7


def _visit(f) -> list[int]:
    from tests.factories import VisitFactory

    return [VisitFactory(file=f).pk]


def _attachment(f) -> list[int]:
    from tests.factories import VisitAttachmentFactory

    return [VisitAttachmentFactory(visit__file=f).pk]


def _aid(f) -> list[int]:
    from tests.funds.helpers import aid_args

    return aid_args(f)


def _notification(f) -> list[int]:
    from notices.models import Notification

    return [Notification.objects.create(user=f.created_by, kind="visits.monthly").pk]


def _queued_report(f) -> list[int]:
    """A queued report on the matrix file's unit: seen in scope, not downloadable yet (409)."""
    from reports.models import Report

    report = Report.objects.create(
        kind="annual_summary", unit=f.unit, params={"year": 2025}, language="en", key="api-matrix", title="Matrix",
        requested_by=f.created_by,
    )  # fmt: skip
    return [report.pk]


API_ROWS = {
    "api:token": (NO_ARGS, (302, 200, 200, 200, 200, 200, 200, 200)),
    "api:schema": (NO_ARGS, EVERYONE),
    # The documentation pages are shells without data: the schema they load is for signed-in users.
    "api:docs": (NO_ARGS, (200,) * 8),
    "api:redoc": (NO_ARGS, (200,) * 8),
    "api:no_such_endpoint": (NO_ARGS, (404,) * 8),  # /api/v1/ itself: a JSON 404 for anyone
    "api:unit-list": (NO_ARGS, EVERYONE),
    "api:unit-detail": (lambda f: [f.unit_id], IN_FILE_SCOPE),
    "api:file-list": (NO_ARGS, EVERYONE),
    "api:file-search": (NO_ARGS, POST_ONLY),
    "api:file-detail": (FILE_ARG, IN_FILE_SCOPE),
    "api:file-members": (FILE_ARG, IN_FILE_SCOPE),
    "api:member-detail": (lambda f: [MemberFactory(file=f).pk], IN_FILE_SCOPE),
    "api:file-visits": (FILE_ARG, IN_FILE_SCOPE),
    "api:visit-list": (NO_ARGS, EVERYONE),
    "api:visit-detail": (_visit, IN_FILE_SCOPE),
    "api:attachment-detail": (_attachment, IN_FILE_SCOPE),
    "api:aid-request-list": (NO_ARGS, EVERYONE),
    "api:aid-request-queue": (NO_ARGS, EVERYONE),
    "api:aid-request-detail": (_aid, IN_FILE_SCOPE),
    "api:aid-request-submit": (_aid, POST_ONLY),
    "api:aid-request-approve": (_aid, POST_ONLY),
    "api:aid-request-reject": (_aid, POST_ONLY),
    "api:aid-request-return": (_aid, POST_ONLY),
    "api:aid-request-pay": (_aid, POST_ONLY),
    "api:notification-list": (NO_ARGS, EVERYONE),
    "api:notification-read": (_notification, POST_ONLY),
    "api:notification-read-all": (NO_ARGS, POST_ONLY),
    "api:report-list": (NO_ARGS, EVERYONE),
    "api:report-detail": (_queued_report, IN_FILE_SCOPE),
    "api:report-download": (_queued_report, (401, 409, 404, 404, 409, 404, 409, 404)),
}
