"""Aid notifications also go by e-mail, through the outbox: once per notification, in the reader's language,
never to a reader who turned e-mails off."""

import pytest
from django.core import mail

from notices.models import Notification, Preference
from notices.services import notification_create, notification_email
from outbox.models import OutboxMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PARAMS = {"pk": 7, "household": "王某", "type_zh": "医疗救助", "type_en": "Medical aid", "amount": "1500.00"}


def test_an_aid_decision_is_mailed_once_in_the_readers_language(django_capture_on_commit_callbacks):
    reader = UserFactory(email="reader@example.org")
    Preference.objects.create(user=reader, language="zh-hans", email=True)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_create(
            user_id=reader.pk, kind="aid.decided", params={**PARAMS, "action": "approve"}, link="/funds/aid/7/"
        )
    assert OutboxMessage.objects.filter(key=f"notification-email:{notification.pk}").exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "第 7 号救助申请已获批准"
    assert "http://127.0.0.1:8000/funds/aid/7/" in mail.outbox[0].body
    assert notification_email(notification_id=notification.pk) is False  # a second delivery sends nothing
    assert len(mail.outbox) == 1


def test_no_mail_for_a_reader_with_emails_off_nor_for_kinds_not_mailed(django_capture_on_commit_callbacks):
    quiet = UserFactory(email="quiet@example.org")
    Preference.objects.create(user=quiet, language="en", email=False)
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(user_id=quiet.pk, kind="aid.waiting", params=PARAMS)
        notification_create(user_id=UserFactory(email="x@example.org").pk, kind="reports.done", params={})
    assert mail.outbox == []
    assert Notification.objects.get(user=quiet).mailed_at is not None
    assert OutboxMessage.objects.count() == 1
