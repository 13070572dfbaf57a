"""Annual review reminders: each helper's weekly digest through the visits reminder machinery, once per week."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from cases.notice_models import FederationPolicy
from notices.models import Notification, Preference
from visits.models import DigestKind, DigestStatus, ReminderDigest
from visits.reminders import reminders_review

from .conftest import TODAY, filed_file
from .test_reminders import emails, helped_by, run  # noqa: F401 - the emails fixture


def due_in(unit, helper, days: int, name: str):
    return helped_by(filed_file(unit, review_due_on=TODAY + dt.timedelta(days=days), name=name), helper)


@pytest.mark.usefixtures("emails")
def test_helpers_get_one_digest_of_the_reviews_in_their_window(frozen, group_a1, group_a2, cadre, cadre_a2):
    due_in(group_a1, cadre, 10, "王年审")
    due_in(group_a1, cadre, -4, "李逾期")
    due_in(group_a1, cadre, 45, "张尚早")
    due_in(group_a2, cadre_a2, 60, "赵太早")
    result = run(reminders_review, today=TODAY)
    assert result.dispatched == 1
    digest = ReminderDigest.objects.get()
    assert (digest.helper, digest.kind, digest.period, digest.status) == (cadre, DigestKind.REVIEW, "2026-W12", "sent")
    assert [h["name"] for h in digest.payload["households"]] == ["李逾期", "王年审"]
    assert digest.payload["overdue"] == 1
    notice = Notification.objects.get(user=cadre)
    assert notice.kind == "visits.review" and notice.link == reverse("cases:review_list")
    assert notice.title == "2 annual reviews due" and "李逾期" in notice.body and "Overdue: 1." in notice.body
    with translation.override("zh-hans"):
        assert notice.title == "2 户年度复核到期"
    assert "王年审" in mail.outbox[0].body and "/reviews/" in mail.outbox[0].body


def test_a_second_run_in_the_week_sends_nothing(frozen, group_a1, cadre):
    due_in(group_a1, cadre, 10, "王年审")
    assert run(reminders_review, today=TODAY).dispatched == 1
    assert run(reminders_review, today=TODAY + dt.timedelta(days=2)).dispatched == 0
    assert run(reminders_review, today=TODAY + dt.timedelta(days=7)).dispatched == 1  # next week, still due
    assert ReminderDigest.objects.filter(status=DigestStatus.SENT).count() == 2


def test_the_federation_sets_how_early_the_task_appears(frozen, federation, group_a1, cadre):
    FederationPolicy.objects.create(federation=federation, review_lead_days=60)
    due_in(group_a1, cadre, 45, "张尚早")
    run(reminders_review, today=TODAY)
    assert ReminderDigest.objects.get().payload["total"] == 1


@pytest.mark.usefixtures("emails")
def test_the_mail_is_in_the_readers_language(frozen, group_a1, cadre):
    Preference.objects.create(user=cadre, language="zh-hans", email=True)
    due_in(group_a1, cadre, 10, "王年审")
    run(reminders_review, today=TODAY)
    assert "年度复核" in mail.outbox[0].subject
