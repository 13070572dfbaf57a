"""Redis frozen (SIGSTOP) while a cadre records a visit and a chair approves aid: both answer in time, and the
e-mails the approval causes wait in the outbox until Redis is back, then go out once each.

A real redis-server of the test's own is the cache and the broker; a real `celery beat` sweeps the outbox and
a real `celery worker` sends the mail (to files, counted here).
"""

import time

import pytest
import redis
from django.urls import reverse
from django.utils import timezone

from funds.models import AidRequest
from funds.services import aid_request_create
from funds.workflow import AidStatus
from notices.models import Notification
from outbox.models import OutboxMessage, OutboxStatus
from tests.factories import UserFactory, funded
from tests.funds.helpers import filed_household, medical, submit
from visits.models import Visit

from .services import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
    pytest.mark.redis,
]
BUDGET = 2.5  # seconds a request may take while Redis does not answer


def _timed(call):
    start = time.monotonic()
    response = call()
    return response, time.monotonic() - start


def _visit_form(cadre) -> dict:
    return {"visited_on": f"{timezone.localdate():%Y-%m-%d}", "kind": "monthly", "met": "本人", "knows_name": "on",
            "outcome": "no_change", "visitors": [cadre.pk], "condolence_money": "0.00"}  # fmt: skip


@pytest.fixture
def waiting_aid(group_a1, branch_a, media_in_tmp):
    """A request by a cadre waiting for the branch chair, who was told (a mail sent while Redis was up)."""
    chair = UserFactory(username="chair_mail", email="chair@example.org", roles=[(branch_a, "branch_chair")])
    cadre = UserFactory(username="cadre_mail", email="cadre@example.org", roles=[(group_a1, "cadre")])
    household = filed_household(group_a1)
    aid = submit(aid_request_create(hfile=household, data=medical(funded(group_a1, "10000.00")), by=cadre), cadre)
    return aid, chair, cadre, household


def test_a_frozen_redis_holds_no_request_and_the_outbox_mails_once_when_it_is_back(
    app_on_own_redis, celery_processes, client_for, waiting_aid
):
    aid, chair, cadre, household = waiting_aid
    cache_db = redis.Redis(port=app_on_own_redis.port, db=1)
    client = client_for(chair)
    assert client.get(reverse("dashboard")).status_code == 200
    assert cache_db.dbsize() > 0  # the pages do use this Redis as their cache

    app_on_own_redis.freeze()
    try:
        approve = reverse("funds:aid_decide", args=[aid.pk, "approve"])
        response, seconds = _timed(lambda: client.post(approve, {"comment": "同意"}))
        assert response.status_code == 302 and seconds < BUDGET, seconds
        assert AidRequest.objects.get(pk=aid.pk).status == AidStatus.APPROVED
        decided = Notification.objects.get(user=cadre, kind="aid.decided")
        assert OutboxMessage.objects.get(key=f"notification-email:{decided.pk}").status == OutboxStatus.PENDING

        response, seconds = _timed(lambda: client.get(reverse("dashboard")))
        assert response.status_code == 200 and seconds < BUDGET, seconds

        visit_url = reverse("visits:visit_create", args=[household.pk])
        response, seconds = _timed(lambda: client_for(cadre).post(visit_url, _visit_form(cadre)))
        assert response.status_code == 302 and seconds < BUDGET, (seconds, response.content[:500])
        assert Visit.objects.filter(file=household).count() == 1
    finally:
        app_on_own_redis.thaw()

    # Nobody relays the pending rows but the beat's sweep: start the worker first, then the beat.
    celery_processes.worker()
    time.sleep(3)
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()
    celery_processes.beat()
    mailed = Notification.objects.filter(kind__startswith="aid.")
    assert wait_for(lambda: not mailed.filter(mailed_at__isnull=True).exists(), 90), celery_processes.logs()
    assert not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()
    time.sleep(3)  # a second delivery of any message would be handled by now
    mails = celery_processes.mails()
    assert len(mails) == mailed.count() == 2, [m[:300] for m in mails]  # the chair's "waiting", the cadre's decision
    assert sum("To: cadre@example.org" in m for m in mails) == 1
    # The cache is back too: keys this process failed to write were dropped, new ones are kept.
    client.get(reverse("dashboard"))
    assert cache_db.dbsize() > 0
