"""Notifications: each user sees, counts and marks only their own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notices.kinds import register
from notices.models import Notification
from notices.services import notification_create

pytestmark = pytest.mark.django_db
LIST = reverse("notices:notification_list")


@register("tests.hello")
def _hello(params: dict) -> tuple[str, str]:
    return f"Hello {params['name']}", "Body text"


def note(user, **kwargs) -> Notification:
    return notification_create(
        user_id=user.pk, kind="tests.hello", params={"name": kwargs.pop("name", "you")}, link=kwargs.pop("link", "")
    )


def test_the_list_shows_only_the_users_own_notifications(client_for, cadre, cadre_other_branch):
    note(cadre, name="mine")
    note(cadre_other_branch, name="theirs")
    page = client_for(cadre).get(LIST).content.decode()
    assert "Hello mine" in page and "Hello theirs" not in page


def test_the_navigation_counts_unread_notifications_of_the_user_only(client_for, cadre, cadre_other_branch):
    note(cadre)
    note(cadre)
    for _ in range(5):
        note(cadre_other_branch)
    page = client_for(cadre).get(reverse("dashboard")).content.decode()
    assert 'id="unread-count">2<' in page


def test_no_badge_when_everything_is_read(client_for, cadre):
    Notification.objects.filter(pk=note(cadre).pk).update(read_at="2026-01-01T00:00:00Z")
    assert 'id="unread-count"' not in client_for(cadre).get(LIST).content.decode()


def test_the_badge_stops_counting_past_99(client_for, cadre):
    Notification.objects.bulk_create([Notification(user=cadre, kind="tests.hello", params={"name": "x"})] * 120)
    assert 'id="unread-count">99+<' in client_for(cadre).get(LIST).content.decode()


def test_marking_one_read(client_for, cadre):
    notification = note(cadre)
    response = client_for(cadre).post(reverse("notices:notification_read", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == LIST
    notification.refresh_from_db()
    assert notification.is_read


def test_opening_marks_read_and_follows_the_link(client_for, cadre):
    notification = note(cadre, link="/visits/")
    response = client_for(cadre).post(reverse("notices:notification_read", args=[notification.pk]), {"open": "1"})
    assert response["Location"] == "/visits/"


def test_a_link_to_another_site_is_never_followed(client_for, cadre):
    notification = note(cadre, link="https://evil.example.org/")
    response = client_for(cadre).post(reverse("notices:notification_read", args=[notification.pk]), {"open": "1"})
    assert response["Location"] == LIST


def test_another_users_notification_is_not_found_and_stays_unread(client_for, cadre, cadre_other_branch):
    theirs = note(cadre_other_branch)
    response = client_for(cadre).post(reverse("notices:notification_read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_marking_read_needs_a_post(client_for, cadre):
    notification = note(cadre)
    assert client_for(cadre).get(reverse("notices:notification_read", args=[notification.pk])).status_code == 405
    notification.refresh_from_db()
    assert not notification.is_read


def test_mark_all_read_marks_only_the_users_own(client_for, cadre, cadre_other_branch):
    note(cadre)
    note(cadre)
    theirs = note(cadre_other_branch)
    response = client_for(cadre).post(reverse("notices:notification_read_all"), follow=True)
    assert "All notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(user=cadre, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_an_unknown_kind_still_shows(client_for, cadre):
    notification_create(user_id=cadre.pk, kind="gone.away", params={})
    assert "Notification" in client_for(cadre).get(LIST).content.decode()


def test_the_list_pages_without_growing_queries(client_for, cadre):
    client = client_for(cadre)
    note(cadre)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(40):
        note(cadre)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(few) == len(many) <= 6
    assert response.content.decode().count("notification-row") == 25
    last = Notification.objects.order_by("created_at", "pk")[14]
    older = client.get(LIST, {"after": last.pk}).content.decode()
    assert older.count("notification-row") == 14


def test_anonymous_is_sent_to_log_in(client):
    assert client.get(LIST).status_code == 302


def test_the_badge_costs_no_query_once_counted_and_follows_each_change(
    client_for, cadre, django_capture_on_commit_callbacks
):
    client = client_for(cadre)
    note(cadre)
    client.get(LIST)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("dashboard"))
    assert not any("notices_notification" in q["sql"] for q in ctx.captured_queries)
    with django_capture_on_commit_callbacks(execute=True):
        note(cadre)
    assert 'id="unread-count">2<' in client.get(LIST).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notices:notification_read_all"))
    assert 'id="unread-count"' not in client.get(LIST).content.decode()
