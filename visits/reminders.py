"""Reminder digests: written as rows first, then each sent by a task that claims its row.

A run (monthly, holiday or escalation) streams the households due, ordered by
recipient, and writes one `ReminderDigest` per recipient and period in batches
(`bulk_create(ignore_conflicts=True)` on the unique (helper, period, kind)), so
memory stays bounded and a second run writes nothing new. Each batch's pending
rows are put in the outbox in the batch's transaction and published after commit; `reminder_send` claims a row with a
conditional UPDATE and acts only if it changed exactly one row, so a row
dispatched twice (a re-run, the sweep, a retry) is still sent once.
"""

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import StrIndex
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import HardshipFile
from cases.review_selectors import overdue_flag, review_window_q
from notices.selectors import preference_for
from notices.services import notification_create
from org.models import Membership, Role
from outbox.services import outbox_add

from .models import DigestKind, DigestStatus, Holiday, ReminderDigest
from .periods import month_start
from .selectors import holiday_visited_q, holidays, missed_before_q, obligated_files, visited_now_q

log = logging.getLogger(__name__)
# The send task's hard time limit (seconds); a claim older than twice this belongs to a dead worker.
SEND_TIME_LIMIT = 90


class ReminderSendError(Exception):
    """A transient failure to send (mail server down): the task retries with backoff."""


@dataclass
class RunResult:
    dispatched: int = 0


# --- what is due, per recipient ----------------------------------------------------------------


def _due_by_helper(files: QuerySet, flags: dict) -> Iterator[tuple]:
    """(helper id, file pk, name, overdue) for households with a responsible helper, ordered by helper.

    Only helpers who still hold a role at the household's unit or above: nobody is told of a
    household out of their reach (a unit path is a prefix of the paths below it).
    """
    reach = (
        Membership.objects.filter(user=OuterRef("helper"), unit__is_active=True)
        .annotate(at=StrIndex(OuterRef("unit__path"), F("unit__path")))
        .filter(at=1)
    )
    return (
        files.filter(plan__helpers__isnull=False)
        .annotate(helper=F("plan__helpers__user"), **flags)
        .filter(Exists(reach))
        .order_by("helper", "name", "pk")
        .values_list("helper", "pk", "name", "overdue")
        .iterator(chunk_size=settings.HARDSHIP["REMINDER_CHUNK"])
    )


def _payload(rows: Iterable[tuple], **extra) -> dict:
    """The first REMINDER_LIST_MAX households by name, and how many there are in all."""
    limit = settings.HARDSHIP["REMINDER_LIST_MAX"]
    listed, total, overdue = [], 0, 0
    for _helper, pk, name, is_overdue in rows:
        total += 1
        overdue += bool(is_overdue)
        if total <= limit:
            listed.append({"pk": pk, "name": name, "overdue": bool(is_overdue)})
    return {**extra, "households": listed, "total": total, "overdue": overdue}


def _write(rows: Iterator[tuple], *, period: str, kind: str, extra: dict) -> RunResult:
    """One digest per recipient in the (recipient-ordered) rows, written and dispatched in batches."""
    result, size = RunResult(), settings.HARDSHIP["REMINDER_DIGEST_BATCH"]
    batch: list[ReminderDigest] = []
    for helper_id, group in groupby(rows, key=lambda row: row[0]):
        payload = _payload(group, **extra)
        batch.append(ReminderDigest(helper_id=helper_id, period=period, kind=kind, payload=payload))
        if len(batch) == size:
            _flush(batch, result)
            batch = []
    if batch:
        _flush(batch, result)
    return result


def _flush(batch: list[ReminderDigest], result: RunResult) -> None:
    period, kind = batch[0].period, batch[0].kind
    with transaction.atomic():
        ReminderDigest.objects.bulk_create(batch, ignore_conflicts=True)
        # Rows already there (a re-run) are dispatched again only while still pending: the claim sends them once.
        pending = list(
            ReminderDigest.objects.filter(
                period=period, kind=kind, status=DigestStatus.PENDING, helper_id__in=[d.helper_id for d in batch]
            ).values_list("pk", flat=True)
        )
        dispatch(pending)
    result.dispatched += len(pending)


# --- the three runs ------------------------------------------------------------------------------


def reminders_monthly(*, month: dt.date) -> RunResult:
    """Each responsible helper's digest of the households owed a visit in `month` and not yet visited."""
    month = month_start(month)
    files = obligated_files(HardshipFile.objects.all(), month).exclude(visited_now_q(month))
    flags = {"overdue": _as_bool(missed_before_q(month))}
    return _write(
        _due_by_helper(files, flags),
        period=f"{month:%Y-%m}",
        kind=DigestKind.MONTHLY,
        extra={"month": f"{month:%Y-%m}"},
    )


def reminders_holiday(*, today: dt.date) -> list[RunResult]:
    """Holiday digests for each window opening within REMINDER_DAYS_BEFORE_HOLIDAY days (or open since today).

    Runs daily; any day from the lead date to the window's start writes the missing digests only,
    so a missed beat is caught up the next day and a repeated one sends nothing.
    """
    lead = dt.timedelta(days=settings.HARDSHIP["REMINDER_DAYS_BEFORE_HOLIDAY"])
    return [_holiday_run(h, today) for h in holidays() if h.starts_on - lead <= today <= h.starts_on]


def _holiday_run(holiday: Holiday, today: dt.date) -> RunResult:
    month = month_start(today)
    files = obligated_files(HardshipFile.objects.all(), month).exclude(holiday_visited_q(holiday))
    extra = {
        "holiday_zh": holiday.name_zh,
        "holiday_en": holiday.name_en,
        "starts_on": f"{holiday.starts_on:%Y-%m-%d}",
        "ends_on": f"{holiday.ends_on:%Y-%m-%d}",
    }
    return _write(
        _due_by_helper(files, {"overdue": Value(False)}),
        period=f"{holiday.code}-{holiday.year}",
        kind=DigestKind.HOLIDAY,
        extra=extra,
    )


def reminders_escalate(*, today: dt.date) -> RunResult:
    """Households still overdue REMINDER_ESCALATE_AFTER_DAYS into the month go, in one digest, to each branch chair.

    Runs daily and acts from the escalation day on; the unique row per chair and month makes
    every later run of the month write nothing new.
    """
    month = month_start(today)
    if (today - month).days < settings.HARDSHIP["REMINDER_ESCALATE_AFTER_DAYS"]:
        return RunResult()
    overdue = (
        obligated_files(HardshipFile.objects.all(), month).filter(missed_before_q(month)).exclude(visited_now_q(month))
    )
    return _write(
        _overdue_by_chair(overdue),
        period=f"{month:%Y-%m}",
        kind=DigestKind.ESCALATION,
        extra={"month": f"{month:%Y-%m}"},
    )


def _overdue_by_chair(overdue: QuerySet) -> Iterator[tuple]:
    """(chair id, file pk, name, True) per chair and overdue household in the chair's branches, ordered by chair."""
    chairs = (
        Membership.objects.filter(role=Role.BRANCH_CHAIR, unit__is_active=True, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", "unit__path")
    )
    for chair_id, held in groupby(chairs.iterator(), key=lambda row: row[0]):
        subtree = Q(pk__in=[])
        for _chair, path in held:
            subtree |= Q(unit__path__startswith=path)
        rows = overdue.filter(subtree).order_by("name", "pk").values_list("pk", "name")
        for pk, name in rows.iterator(chunk_size=settings.HARDSHIP["REMINDER_CHUNK"]):
            yield chair_id, pk, name, True


def reminders_review(*, today: dt.date) -> RunResult:
    """Each responsible helper's weekly digest of the annual reviews due within the federation's lead days or overdue.

    Runs daily; the unique row per helper and ISO week makes every later run of the week write nothing new.
    """
    year, week, _day = today.isocalendar()
    files = HardshipFile.objects.filter(review_window_q(today))
    return _write(
        _due_by_helper(files, {"overdue": overdue_flag(today)}),
        period=f"{year}-W{week:02d}",
        kind=DigestKind.REVIEW,
        extra={"week": f"{year}-W{week:02d}"},
    )


# --- sending ------------------------------------------------------------------------------------


def dispatch(digest_ids: list[int]) -> None:
    """A send for each digest, in the outbox of the current transaction (published once it commits)."""
    outbox_add(task="visits.tasks.reminder_send_task", calls=((f"reminder:{pk}", [pk]) for pk in digest_ids))


def reminder_send(*, digest_id: int, final_attempt: bool = False) -> bool:
    """Claim a pending digest, e-mail it, leave the in-app notification and mark it sent; False if not claimed."""
    now = timezone.now()
    claimed = ReminderDigest.objects.filter(pk=digest_id, status=DigestStatus.PENDING).update(
        status=DigestStatus.SENDING, attempts=F("attempts") + 1, touched_at=now
    )
    if claimed != 1:
        return False
    digest = ReminderDigest.objects.select_related("helper").get(pk=digest_id)
    language, wants_email = preference_for(user_id=digest.helper_id)
    try:
        if wants_email and digest.helper.email:
            _email(digest, language)
    except (SMTPException, OSError) as exc:
        _release(digest, exc, final=final_attempt)
        if final_attempt:
            return False
        raise ReminderSendError(str(exc)) from exc
    with transaction.atomic():
        done = ReminderDigest.objects.filter(pk=digest_id, status=DigestStatus.SENDING).update(
            status=DigestStatus.SENT, sent_at=timezone.now(), last_error=""
        )
        if done:
            notification_create(
                user_id=digest.helper_id,
                kind=f"visits.{digest.kind}",
                params=notification_params(digest),
                link=_link(digest.kind),
            )
    return bool(done)


def _release(digest: ReminderDigest, exc: Exception, *, final: bool) -> None:
    status = DigestStatus.FAILED if final else DigestStatus.PENDING
    ReminderDigest.objects.filter(pk=digest.pk, status=DigestStatus.SENDING).update(
        status=status, last_error=str(exc)[:300], touched_at=timezone.now()
    )


def _link(kind: str) -> str:
    pages = {DigestKind.ESCALATION: "visits:compliance", DigestKind.REVIEW: "cases:review_list"}
    return reverse(pages.get(kind, "visits:my_visits"))


def notification_params(digest: ReminderDigest) -> dict:
    payload = digest.payload
    names = [h["name"] for h in payload.get("households", [])[:20]]
    keep = ("month", "week", "holiday_zh", "holiday_en", "starts_on", "ends_on", "total", "overdue")
    return {**{k: payload[k] for k in keep if k in payload}, "names": names}


def _email(digest: ReminderDigest, language: str) -> None:
    site = settings.HARDSHIP["SITE_URL"].rstrip("/")
    # Formatted, not reversed per household: a digest lists up to REMINDER_LIST_MAX of them.
    file_url = site + reverse("cases:file_detail", args=[0]).replace("/0/", "/{}/")
    households = [{**h, "url": file_url.format(h["pk"])} for h in digest.payload["households"]]
    context = {
        "digest": digest,
        "kind": digest.kind,
        "payload": digest.payload,
        "households": households,
        "more": digest.payload["total"] - len(households),
        "url": site + _link(digest.kind),
        "site": site,
        "recipient": digest.helper,
    }
    with translation.override(language):
        subject = " ".join(render_to_string("emails/visit_reminder_subject.txt", context).split())
        body = render_to_string("emails/visit_reminder.txt", context)
        html = render_to_string("emails/visit_reminder.html", context)
    message = EmailMultiAlternatives(subject, body, to=[digest.helper.email])
    message.attach_alternative(html, "text/html")
    message.send()


# --- the sweep ----------------------------------------------------------------------------------


def reminders_sweep(*, now: dt.datetime | None = None) -> int:
    """Re-dispatch digests left pending (a broker outage, a lost message); returns how many."""
    now = now or timezone.now()
    resend_before = now - dt.timedelta(minutes=settings.HARDSHIP["REMINDER_RESEND_AFTER_MINUTES"])
    # A claim older than twice the send task's hard time limit belongs to a worker that died mid-send.
    stale_before = now - dt.timedelta(seconds=settings.HARDSHIP["REMINDER_CLAIM_STALE_SECONDS"])
    ReminderDigest.objects.filter(status=DigestStatus.SENDING, touched_at__lt=stale_before).update(
        status=DigestStatus.PENDING, touched_at=resend_before
    )
    pending = ReminderDigest.objects.filter(status=DigestStatus.PENDING, touched_at__lte=resend_before).order_by("pk")
    swept, after, size = 0, 0, settings.HARDSHIP["REMINDER_DIGEST_BATCH"]
    while ids := list(pending.filter(pk__gt=after).values_list("pk", flat=True)[:size]):
        ReminderDigest.objects.filter(pk__in=ids, status=DigestStatus.PENDING).update(touched_at=now)
        dispatch(ids)
        swept += len(ids)
        after = ids[-1]
    return swept


def _as_bool(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())
