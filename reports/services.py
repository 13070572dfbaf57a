"""Every write of reports: ask for one (or reuse a stored copy), generate it, sweep the stalled, finalise a year.

A report is a row first, written by `report_request` in the request's
transaction; the task only carries it out. `report_generate` claims the row with
a conditional UPDATE that sets a fresh run token, and writes its result only
while the token is still its own: a message delivered twice (a worker killed
mid-report and the message redelivered, the sweep, a retry) leaves one file and
one notification. A transient failure (database, storage) is retried with
backoff; anything else, or too many attempts, ends as a visible failure.
"""

import hashlib
import json
import logging
import secrets

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from hardship.pdf import css_string, render_pdf
from notices.services import notification_create
from org.models import Unit
from org.privacy import fields_in_full
from org.scoping import scope_for
from outbox.services import outbox_add

from .annual import annual_figures
from .kinds import DataGone, kind_for
from .models import Report, ReportStatus, SummarySnapshot, report_file_name

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError, OSError)


class ReportTransientError(Exception):
    """The database or the storage failed for a moment: the task retries with backoff."""


def report_key(*, kind: str, unit: Unit, params: dict, language: str) -> str:
    return hashlib.sha256(json.dumps([kind, unit.pk, params, language], sort_keys=True).encode()).hexdigest()


def data_fingerprint(report: Report) -> str:
    values = kind_for(report.kind).fingerprint(report)
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def may_request(*, user, kind: str, unit: Unit) -> bool:
    spec = kind_for(kind)
    return spec is not None and bool(scope_for(user).roles_at(unit) & spec.roles)


def _reusable(key: str) -> Report | None:
    """The latest report with this key still being made, or made from data that has not changed since."""
    latest = (
        Report.objects.filter(key=key)
        .exclude(status__in=[ReportStatus.FAILED, ReportStatus.EXPIRED])
        .select_related("unit")
        .first()
    )
    if latest is None:
        return None
    if latest.status != ReportStatus.DONE:
        return latest
    if latest.fingerprint == data_fingerprint(latest) and default_storage.exists(latest.file.name):
        return latest
    return None


@transaction.atomic
def report_request(*, user, kind: str, unit: Unit, params: dict, regenerate: bool = False) -> tuple[Report, bool]:
    """Ask for a report: (the report, True) when an identical one is reused, else a new row queued for the task."""
    if not may_request(user=user, kind=kind, unit=unit):
        raise PermissionDenied(_("Your role does not allow this report for %(unit)s.") % {"unit": unit.name})
    language = translation.get_language() or settings.LANGUAGE_CODE
    # A printed copy shows what its requester may see; it is reused only by readers who see as much.
    params = {**params, "full": fields_in_full(user, unit)}
    key = report_key(kind=kind, unit=unit, params=params, language=language)
    if not regenerate and (existing := _reusable(key)):
        return existing, True
    report = Report.objects.create(
        kind=kind,
        params=params,
        unit=unit,
        language=language,
        key=key,
        title=kind_for(kind).title(unit, params)[:200],
        requested_by=user,
    )
    dispatch(report.pk)
    return report, False


def dispatch(report_id: int) -> None:
    """The generation, in the outbox of the current transaction (published once it commits)."""
    outbox_add(task="reports.tasks.report_generate_task", calls=[(f"report:{report_id}", [report_id])])


def report_generate(*, report_id: int, final_attempt: bool = False) -> bool:
    """Claim the report, build and store its PDF, and tell the requester; False when not claimed or not done."""
    token = secrets.token_hex(16)
    claimed = Report.objects.filter(
        pk=report_id, status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]
    ).update(status=ReportStatus.RUNNING, run_token=token, attempts=F("attempts") + 1, progress=5,
             touched_at=timezone.now(), error="")  # fmt: skip
    if claimed != 1:
        return False
    report = Report.objects.select_related("unit", "requested_by").get(pk=report_id)
    with translation.override(report.language):
        if report.attempts > settings.HARDSHIP["REPORT_MAX_ATTEMPTS"]:
            return _fail(report, token, _("Gave up after %(n)d attempts.") % {"n": report.attempts - 1})
        try:
            fingerprint, rendered = _render(report, token)
            name = default_storage.save(report_file_name(report, ""), ContentFile(rendered.content))
        except TRANSIENT as exc:
            return _release(report, token, exc, final=final_attempt)
        except (DataGone, ObjectDoesNotExist) as exc:
            message = str(exc) if isinstance(exc, DataGone) else _("What this report is about no longer exists.")
            return _fail(report, token, message)
        except SoftTimeLimitExceeded:
            return _fail(report, token, _("Generating the report took too long."))
        except Exception:
            log.exception("Report %s could not be generated", report_id)
            return _fail(report, token, _("The report could not be generated; the error was logged."))
        return _finish(
            report, token, name=name, size=len(rendered.content), pages=rendered.pages, fingerprint=fingerprint
        )


def _render(report: Report, token: str):
    spec = kind_for(report.kind)
    if spec is None:
        raise ValueError(f"unknown report kind {report.kind}")
    fingerprint = data_fingerprint(report)
    context = spec.build(report, lambda pct: _progress(report, token, pct))
    privacy = {"privacy_full": frozenset(report.params.get("full", ()))}
    html = render_to_string(spec.template, {**_page_context(report), **context, **privacy})
    _progress(report, token, 70)
    rendered = render_pdf(html)
    _progress(report, token, 95)
    return fingerprint, rendered


def _page_context(report: Report) -> dict:
    """What every PDF's page margins and first lines show."""
    union = Unit.objects.get(pk=report.unit.root_id)
    generated = timezone.localtime()
    return {
        "report": report,
        "title": report.title,
        "language": report.language,
        "union": union,
        "generated_at": generated,
        "margin": {
            "union": css_string(union.name),
            "title": css_string(report.title),
            # "Page X of Y", with the numbers drawn by the page counters.
            "pages": _pages_css(),
            "generated": css_string(_("Generated %(at)s") % {"at": f"{generated:%Y-%m-%d %H:%M}"}),
        },
    }


def _pages_css() -> SafeString:
    before, _sep, rest = _("Page %(page)s of %(pages)s").partition("%(page)s")
    middle, _sep, after = rest.partition("%(pages)s")
    return mark_safe(f"{css_string(before)} counter(page) {css_string(middle)} counter(pages) {css_string(after)}")  # noqa: S308


def _progress(report: Report, token: str, pct: int) -> None:
    Report.objects.filter(pk=report.pk, run_token=token).update(progress=pct, touched_at=timezone.now())


def _finish(report: Report, token: str, *, name: str, size: int, pages: int, fingerprint: str) -> bool:
    with transaction.atomic():
        done = Report.objects.filter(pk=report.pk, run_token=token, status=ReportStatus.RUNNING).update(
            status=ReportStatus.DONE, file=name, size=size, pages=pages, fingerprint=fingerprint, progress=100,
            finished_at=timezone.now(), touched_at=timezone.now(),
        )  # fmt: skip
        if done:
            notification_create(
                user_id=report.requested_by_id,
                kind="reports.done",
                params={"title": report.title, "pk": report.pk},
                link=report.get_absolute_url(),
            )
    if not done:
        # Another run took the report over (a redelivered message): its file is the one kept.
        default_storage.delete(name)
    return bool(done)


def _fail(report: Report, token: str, message: str) -> bool:
    with transaction.atomic():
        failed = Report.objects.filter(pk=report.pk, run_token=token, status=ReportStatus.RUNNING).update(
            status=ReportStatus.FAILED, error=message[:500], finished_at=timezone.now(), touched_at=timezone.now()
        )
        if failed:
            notification_create(
                user_id=report.requested_by_id,
                kind="reports.failed",
                params={"title": report.title, "pk": report.pk, "error": message[:500]},
                link=report.get_absolute_url(),
            )
    return False


def _release(report: Report, token: str, exc: Exception, *, final: bool) -> bool:
    """A transient failure: back to queued for a retry, or failed on the last attempt."""
    log.warning("Report %s failed for a moment: %s", report.pk, exc)
    if final:
        return _fail(report, token, _("The report could not be generated: %(error)s") % {"error": str(exc)[:300]})
    Report.objects.filter(pk=report.pk, run_token=token).update(
        status=ReportStatus.QUEUED, error=str(exc)[:500], touched_at=timezone.now()
    )
    raise ReportTransientError(str(exc)) from exc


def reports_sweep(*, now=None) -> int:
    """Re-dispatch reports left queued (a broker outage) or running on a worker that died; returns how many."""
    now = now or timezone.now()
    limits = settings.HARDSHIP
    stale = now - timezone.timedelta(seconds=2 * limits["REPORT_TIME_LIMIT"])
    Report.objects.filter(status=ReportStatus.RUNNING, touched_at__lt=stale).update(
        status=ReportStatus.QUEUED, run_token=""
    )
    waiting = now - timezone.timedelta(minutes=limits["REPORT_RESEND_AFTER_MINUTES"])
    ids = list(
        Report.objects.filter(status=ReportStatus.QUEUED, touched_at__lte=waiting).values_list("pk", flat=True)[:500]
    )
    Report.objects.filter(pk__in=ids, status=ReportStatus.QUEUED).update(touched_at=now)
    with transaction.atomic():
        for pk in ids:
            dispatch(pk)
    return len(ids)


def reports_expire(*, now=None, chunk: int = 500) -> int:
    """Delete the files of reports finished more than REPORT_RETENTION_DAYS ago; the rows stay, expired."""
    now = now or timezone.now()
    before = now - timezone.timedelta(days=settings.HARDSHIP["REPORT_RETENTION_DAYS"])
    old = Report.objects.filter(status=ReportStatus.DONE, finished_at__lt=before).order_by("pk")
    expired = 0
    while rows := list(old.values_list("pk", "file")[:chunk]):
        for pk, name in rows:
            # The file first (it holds personal data): a download in between finds it gone and says so.
            default_storage.delete(name)
            expired += Report.objects.filter(pk=pk, status=ReportStatus.DONE).update(
                status=ReportStatus.EXPIRED, file="", touched_at=now
            )
    return expired


# --- finalising an annual summary ----------------------------------------------------------------


@transaction.atomic
def summary_finalise(*, unit: Unit, year: int, by) -> SummarySnapshot:
    """Freeze the year's figures for the unit: the preview and the PDF print them from now on."""
    if not may_request(user=by, kind="annual_summary", unit=unit):
        raise PermissionDenied(_("Your role does not allow finalising the summary of %(unit)s.") % {"unit": unit.name})
    if year >= timezone.localdate().year:
        raise ValidationError(_("A year can be finalised only once it is over."))
    if SummarySnapshot.objects.filter(unit=unit, year=year).exists():
        raise ValidationError(
            _("The %(year)s summary of %(unit)s is already finalised.") % {"year": year, "unit": unit.name}
        )
    figures = annual_figures(unit=unit, year=year)
    try:
        with transaction.atomic():
            return SummarySnapshot.objects.create(unit=unit, year=year, figures=figures, finalised_by=by)
    except IntegrityError:
        # Finalised by someone else a moment ago: the first snapshot stands.
        raise ValidationError(
            _("The %(year)s summary of %(unit)s is already finalised.") % {"year": year, "unit": unit.name}
        ) from None


def report_retry(*, report: Report, by) -> Report:
    """The same report again, generated afresh (a failed one, or one whose file is gone)."""
    again, _reused = report_request(user=by, kind=report.kind, unit=report.unit, params=report.params, regenerate=True)
    return again
