"""Reminder digests: one per helper and period, written first, claimed once, retried, swept, in two languages."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules

from cases.models import AssistancePlan, PlanHelper
from hardship.celery import app
from notices.models import Notification, Preference
from tests.factories import UserFactory, VisitFactory
from visits.models import DigestKind, DigestStatus, FlagReason, MonitoringFlag, ReminderDigest, VisitKind
from visits.reminders import reminder_send, reminders_escalate, reminders_holiday, reminders_monthly, reminders_sweep
from visits.services import flag_handle, visits_flag_missed

from .conftest import SHANGHAI, filed_file
from .mail_backends import FlakyBackend

MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def tasks_registered():
    """Every app's tasks module imported, as a worker does at start (a test run alone imports none)."""
    autodiscover_modules("tasks")


def run(function, **kwargs):
    """Tests run inside a transaction: run the dispatches its commit would run."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(**kwargs)


def helped_by(hfile, *users):
    plan = AssistancePlan.objects.create(file=hfile, goal="目标")
    for user in users:
        PlanHelper.objects.create(plan=plan, user=user)
    return hfile


@pytest.fixture
def emails(cadre, cadre_a2, branch_chair, chair_other_branch):
    for user in (cadre, cadre_a2, branch_chair, chair_other_branch):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


class TestMonthlyDigests:
    def test_each_helper_gets_one_digest_listing_the_households_not_yet_visited(
        self, filed, emails, group_a1, group_a2, cadre, cadre_a2
    ):
        visited = helped_by(filed_file(group_a1, name="赵已访"), cadre)
        VisitFactory(file=visited, visited_on=dt.date(2026, 3, 2))
        helped_by(filed_file(group_a2, name="钱待访"), cadre_a2)

        result = run(reminders_monthly, month=MARCH)

        assert result.dispatched == 2
        digests = {d.helper: d for d in ReminderDigest.objects.all()}
        assert set(digests) == {cadre, cadre_a2}
        assert all(d.status == DigestStatus.SENT and d.attempts == 1 and d.sent_at for d in digests.values())
        assert [h["name"] for h in digests[cadre].payload["households"]] == [filed.name]
        assert digests[cadre].payload["overdue"] == 1  # nothing in February either
        to_cadre = next(m for m in mail.outbox if m.to == ["cadre@example.org"])
        assert filed.name in to_cadre.body and "赵已访" not in to_cadre.body
        assert f"/files/{filed.pk}/" in to_cadre.body
        notice = Notification.objects.get(user=cadre)
        assert notice.kind == "visits.monthly" and notice.title == "1 household to visit in 2026-03"
        assert filed.name in notice.body

    def test_running_the_month_twice_sends_nothing_twice(self, filed, emails, cadre):
        assert run(reminders_monthly, month=MARCH).dispatched == 1
        assert run(reminders_monthly, month=MARCH).dispatched == 0
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("send_visit_reminders", "--month", "2026-03", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert ReminderDigest.objects.count() == 1
        assert len(mail.outbox) == 1
        assert Notification.objects.filter(user=cadre).count() == 1

    def test_a_helper_without_a_role_over_the_household_is_not_told_of_it(self, filed, emails, cadre_other_branch):
        PlanHelper.objects.create(plan=filed.plan, user=cadre_other_branch)
        run(reminders_monthly, month=MARCH)
        assert not ReminderDigest.objects.filter(helper=cadre_other_branch).exists()
        assert ReminderDigest.objects.count() == 1

    def test_a_helper_without_an_address_gets_the_notification_only(self, filed, cadre):
        run(reminders_monthly, month=MARCH)
        assert ReminderDigest.objects.get().status == DigestStatus.SENT
        assert mail.outbox == []
        assert Notification.objects.filter(user=cadre).count() == 1

    def test_a_helper_who_declines_mail_gets_the_notification_only(self, filed, emails, cadre):
        Preference.objects.create(user=cadre, language="en", email=False)
        run(reminders_monthly, month=MARCH)
        assert mail.outbox == [] and Notification.objects.filter(user=cadre).count() == 1

    def test_the_digest_lists_at_most_the_configured_number_and_counts_the_rest(
        self, settings, frozen, group_a1, cadre, emails
    ):
        settings.HARDSHIP = {**settings.HARDSHIP, "REMINDER_LIST_MAX": 2}
        for _ in range(3):
            helped_by(filed_file(group_a1), cadre)
        run(reminders_monthly, month=MARCH)
        payload = ReminderDigest.objects.get().payload
        assert (len(payload["households"]), payload["total"]) == (2, 3)
        assert "and 1 more" in mail.outbox[0].body
        assert "and 1 more" in Notification.objects.get().body

    def test_digests_are_written_in_batches_with_a_small_chunk(self, settings, frozen, group_a1, emails):
        settings.HARDSHIP = {**settings.HARDSHIP, "REMINDER_CHUNK": 2}
        helpers = UserFactory.create_batch(5, roles=[(group_a1, "cadre")])
        for helper in helpers:
            helped_by(filed_file(group_a1), helper)
        assert run(reminders_monthly, month=MARCH).dispatched == 5
        assert ReminderDigest.objects.filter(status=DigestStatus.SENT).count() == 5


class TestEmailLanguage:
    def test_the_mail_is_in_chinese_for_a_chinese_reader(self, filed, emails, cadre):
        Preference.objects.create(user=cadre, language="zh-hans")
        run(reminders_monthly, month=MARCH)
        message = mail.outbox[0]
        assert message.subject == "2026-03 应走访：1 户"
        assert "您负责的以下困难家庭" in message.body and "Dear" not in message.body
        notice = Notification.objects.get()
        assert notice.title == "1 household to visit in 2026-03"  # rendered in the reader's language, when read
        with translation.override("zh-hans"):
            assert notice.title == "2026-03 应走访 1 户"

    def test_the_mail_is_in_english_for_an_english_reader(self, filed, emails, cadre):
        Preference.objects.create(user=cadre, language="en")
        run(reminders_monthly, month=MARCH)
        message = mail.outbox[0]
        assert message.subject == "Visits due in 2026-03: 1 households"
        assert "These households you are responsible for are due a visit in 2026-03" in message.body
        assert "(overdue)" in message.body
        html = message.alternatives[0][0]
        assert f'href="http://127.0.0.1:8000/files/{filed.pk}/"' in html

    def test_the_digest_follows_the_settings_the_user_saved(self, client_for, filed, emails, cadre):
        settings_page = reverse("notices:preferences")
        client_for(cadre).post(settings_page, {"language": "zh-hans", "email": "on"})
        run(reminders_monthly, month=MARCH)
        assert mail.outbox[0].subject == "2026-03 应走访：1 户"
        client_for(cadre).post(settings_page, {"language": "en"})
        run(reminders_monthly, month=dt.date(2026, 4, 1))
        assert len(mail.outbox) == 1  # e-mail turned off: the notification only
        assert Notification.objects.filter(user=cadre).count() == 2

    def test_without_a_preference_the_site_language_is_used(self, settings, filed, emails):
        settings.LANGUAGE_CODE = "zh-hans"
        run(reminders_monthly, month=MARCH)
        assert "应走访" in mail.outbox[0].subject


class TestRetriesAndSweep:
    @pytest.fixture
    def flaky(self, settings):
        settings.EMAIL_BACKEND = "tests.visits.mail_backends.FlakyBackend"
        yield FlakyBackend
        FlakyBackend.failures_left = 0

    @pytest.fixture
    def retrying(self):
        """In-process tasks retry in-process (immediately) when they do not propagate errors, as in a worker."""
        propagates = app.conf.task_eager_propagates
        app.conf.task_eager_propagates = False
        yield
        app.conf.task_eager_propagates = propagates

    def test_in_process_a_failed_mail_leaves_the_digest_pending_for_the_sweep(self, filed, emails, flaky):
        flaky.failures_left = 1
        assert run(reminders_monthly, month=MARCH).dispatched == 1
        digest = ReminderDigest.objects.get()
        assert (digest.status, digest.attempts, mail.outbox) == (DigestStatus.PENDING, 1, [])
        ReminderDigest.objects.update(touched_at=timezone.now() - dt.timedelta(minutes=11))
        assert run(reminders_sweep) == 1
        digest.refresh_from_db()
        assert (digest.status, digest.attempts, len(mail.outbox)) == (DigestStatus.SENT, 2, 1)

    def test_a_mail_server_that_fails_twice_is_retried_and_the_digest_sent_once(
        self, filed, emails, flaky, retrying, cadre
    ):
        flaky.failures_left = 2
        run(reminders_monthly, month=MARCH)
        digest = ReminderDigest.objects.get()
        assert (digest.status, digest.attempts) == (DigestStatus.SENT, 3)
        assert len(mail.outbox) == 1 and Notification.objects.count() == 1

    def test_a_mail_server_that_never_answers_marks_the_digest_failed(self, filed, emails, flaky, retrying):
        flaky.failures_left = 100
        run(reminders_monthly, month=MARCH)
        digest = ReminderDigest.objects.get()
        assert digest.status == DigestStatus.FAILED
        assert digest.attempts == 6  # the first try and five retries
        assert "unexpectedly closed" in digest.last_error
        assert mail.outbox == [] and Notification.objects.count() == 0

    def test_the_send_task_retries_with_exponential_backoff(self, tasks_registered):
        task = app.tasks["visits.tasks.reminder_send_task"]
        assert task.max_retries == 5 and task.retry_backoff and task.acks_late

    @pytest.mark.parametrize("name", ["monthly", "holiday", "escalate"])
    def test_a_run_that_loses_the_database_is_retried_with_backoff(self, name, tasks_registered):
        task = app.tasks[f"visits.tasks.reminders_{name}_task"]
        assert OperationalError in task.autoretry_for and task.retry_backoff and task.max_retries == 3

    def test_a_run_retried_after_a_partial_run_writes_only_what_is_missing(self, settings, frozen, group_a1, emails):
        settings.HARDSHIP = {**settings.HARDSHIP, "REMINDER_DIGEST_BATCH": 1}
        helpers = UserFactory.create_batch(3, roles=[(group_a1, "cadre")], email="h@example.org")
        for helper in helpers:
            helped_by(filed_file(group_a1), helper)
        # What a run cut off after its first chunk leaves behind: one digest written and sent.
        first = ReminderDigest.objects.create(
            helper=helpers[0], period="2026-03", kind=DigestKind.MONTHLY, payload=_p()
        )
        assert reminder_send(digest_id=first.pk)
        assert run(reminders_monthly, month=MARCH).dispatched == 2
        assert ReminderDigest.objects.filter(status=DigestStatus.SENT).count() == 3
        assert sorted(m.to[0] for m in mail.outbox) == ["h@example.org"] * 3

    def test_the_sweep_sends_digests_left_pending_and_only_old_ones(self, filed, emails, cadre, cadre_a2):
        # What a run leaves when the broker is down: rows written, no message delivered.
        old = ReminderDigest.objects.create(helper=cadre, period="2026-03", kind=DigestKind.MONTHLY, payload=_p())
        new = ReminderDigest.objects.create(helper=cadre_a2, period="2026-03", kind=DigestKind.MONTHLY, payload=_p())
        ReminderDigest.objects.filter(pk=old.pk).update(touched_at=timezone.now() - dt.timedelta(minutes=30))
        assert run(reminders_sweep) == 1
        old.refresh_from_db()
        new.refresh_from_db()
        assert (old.status, new.status) == (DigestStatus.SENT, DigestStatus.PENDING)
        assert run(reminders_sweep) == 0
        assert len(mail.outbox) == 1

    def test_the_sweep_releases_a_claim_held_by_a_dead_worker(self, filed, emails, cadre):
        stale = ReminderDigest.objects.create(
            helper=cadre, period="2026-03", kind=DigestKind.MONTHLY, payload=_p(), status=DigestStatus.SENDING
        )
        ReminderDigest.objects.filter(pk=stale.pk).update(touched_at=timezone.now() - dt.timedelta(hours=1))
        assert run(reminders_sweep) == 1
        stale.refresh_from_db()
        assert stale.status == DigestStatus.SENT and len(mail.outbox) == 1

    def test_a_digest_already_sent_or_claimed_is_not_sent_again(self, filed, emails, cadre):
        digest = ReminderDigest.objects.create(helper=cadre, period="2026-03", kind=DigestKind.MONTHLY, payload=_p())
        assert reminder_send(digest_id=digest.pk) is True
        assert reminder_send(digest_id=digest.pk) is False
        assert len(mail.outbox) == 1 and Notification.objects.count() == 1


def _p() -> dict:
    return {"month": "2026-03", "households": [{"pk": 1, "name": "王某", "overdue": False}], "total": 1, "overdue": 0}


class TestEscalation:
    def test_overdue_households_go_to_their_branch_chair_after_the_configured_days(
        self, filed, emails, branch_chair, chair_other_branch
    ):
        assert run(reminders_escalate, today=dt.date(2026, 3, 5)).dispatched == 0
        assert run(reminders_escalate, today=dt.date(2026, 3, 16)).dispatched == 1
        digest = ReminderDigest.objects.get(kind=DigestKind.ESCALATION)
        assert digest.helper == branch_chair and digest.period == "2026-03"
        assert [h["name"] for h in digest.payload["households"]] == [filed.name]
        assert not ReminderDigest.objects.filter(helper=chair_other_branch).exists()
        assert Notification.objects.get(user=branch_chair).link == "/visits/compliance/"
        assert "overdue" in mail.outbox[0].subject.lower()

    def test_escalation_runs_daily_but_escalates_once_a_month(self, filed, emails, branch_chair):
        for day in (11, 12, 20):
            run(reminders_escalate, today=dt.date(2026, 3, day))
        assert ReminderDigest.objects.filter(kind=DigestKind.ESCALATION).count() == 1
        assert len(mail.outbox) == 1

    def test_a_household_visited_this_month_is_not_escalated(self, filed, emails, branch_chair, settings):
        settings.HARDSHIP = {**settings.HARDSHIP, "REMINDER_ESCALATE_AFTER_DAYS": 3}
        VisitFactory(file=filed, visited_on=dt.date(2026, 3, 2))
        assert run(reminders_escalate, today=dt.date(2026, 3, 10)).dispatched == 0


class TestHolidayDigests:
    def test_helpers_are_reminded_the_configured_days_before_a_holiday_window(self, filed, emails, cadre):
        # Mid-Autumn 2026 opens on 25 September; the default lead is 7 days.
        assert run(reminders_holiday, today=dt.date(2026, 9, 17)) == []
        runs = run(reminders_holiday, today=dt.date(2026, 9, 18))
        assert [r.dispatched for r in runs] == [1]
        digest = ReminderDigest.objects.get(kind=DigestKind.HOLIDAY)
        assert digest.period == "mid-autumn-2026" and digest.payload["holiday_en"] == "Mid-Autumn Festival"
        assert Notification.objects.get().title == "Mid-Autumn Festival: 1 household to visit"
        run(reminders_holiday, today=dt.date(2026, 9, 19))
        assert len(mail.outbox) == 1

    def test_a_household_already_visited_for_the_holiday_is_left_out(self, filed, emails):
        VisitFactory(file=filed, visited_on=dt.date(2026, 9, 15), kind=VisitKind.HOLIDAY)
        assert [r.dispatched for r in run(reminders_holiday, today=dt.date(2026, 9, 20))] == [0]


class TestMonthlyCatchUp:
    """The beat starts the monthly run daily; it acts on the first REMINDER_MONTHLY_DAYS days of the month."""

    @pytest.fixture
    def task(self, tasks_registered):
        return app.tasks["visits.tasks.reminders_monthly_task"]

    def test_a_first_of_the_month_missed_is_caught_up_the_next_day(self, task, filed, emails, cadre, frozen):
        frozen.move_to(dt.datetime(2026, 4, 2, 7, tzinfo=SHANGHAI))
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert task.apply().get() == 1
        assert ReminderDigest.objects.get().period == "2026-04" and len(mail.outbox) == 1

    def test_later_days_of_the_first_week_send_nothing_twice(self, task, filed, emails, frozen):
        for day in (1, 2, 7):
            frozen.move_to(dt.datetime(2026, 4, day, 7, tzinfo=SHANGHAI))
            with TestCase.captureOnCommitCallbacks(execute=True):
                task.apply()
        assert ReminderDigest.objects.count() == 1 and len(mail.outbox) == 1

    def test_after_the_first_week_the_daily_beat_does_nothing(self, task, filed, emails, frozen):
        frozen.move_to(dt.datetime(2026, 4, 8, 7, tzinfo=SHANGHAI))
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert task.apply().get() == 0
            # A month named by hand (the command, an operator) is always run.
            assert task.apply(args=["2026-04"]).get() == 1
        assert ReminderDigest.objects.count() == 1


class TestScheduleAndCommand:
    def test_every_beat_entry_names_a_registered_task(self, settings, tasks_registered):
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            assert entry["task"] in app.tasks, name

    def test_the_command_refuses_a_bad_month(self, db):
        with pytest.raises(CommandError, match="2026-03"):
            call_command("send_visit_reminders", "--month", "2026-13")

    def test_missed_months_run_daily_never_reraise_a_handled_flag(self, frozen, group_a1, cadre):
        filed_file(group_a1, filed_on=dt.date(2025, 12, 1))
        assert visits_flag_missed(month=dt.date(2026, 2, 1)) == 1
        flag_handle(flag=MonitoringFlag.objects.get(), by=cadre, note="电话联系，下周走访")
        assert visits_flag_missed(month=dt.date(2026, 2, 1)) == 0
        assert MonitoringFlag.objects.filter(reason=FlagReason.MISSED).count() == 1
