"""Sessions end after 30 idle minutes and 12 hours at most, all at once for a deactivated user, and a user sees
their sessions and ends the others."""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.devices import device_label
from accounts.models import UserSession
from hardship.settings import base
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
)
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(autouse=True)
def real_limits(settings):
    """The limits every environment but the rest of the test suite uses: 30 idle minutes, 12 hours."""
    limits = {key: base.HARDSHIP[key] for key in ("SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS")}
    assert limits == {"SESSION_IDLE_MINUTES": 30, "SESSION_MAX_HOURS": 12}
    settings.HARDSHIP = {**settings.HARDSHIP, **limits}
    settings.SESSION_COOKIE_AGE = base.SESSION_COOKIE_AGE


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def user():
    return UserFactory(username="chair")


def signed_in(user, agent: str = DESKTOP, address: str = "198.51.100.20") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    return client


def is_signed_in(client: Client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


def test_a_login_is_listed_with_its_browser_address_and_times(user, clock):
    signed_in(user, PHONE, "203.0.113.9")
    row = UserSession.objects.get(user=user)
    assert (row.ip, row.user_agent, row.started_at, row.last_seen) == (
        PHONE and "203.0.113.9",
        PHONE,
        timezone.now(),
        timezone.now(),
    )


def test_thirty_idle_minutes_end_the_session_with_a_message(user, clock):
    client = signed_in(user)
    clock.shift(dt.timedelta(minutes=29, seconds=50))
    assert is_signed_in(client)
    clock.shift(dt.timedelta(minutes=30, seconds=10))
    response = client.get(reverse("cases:file_list"), follow=True)
    assert response.redirect_chain[0] == (f"{reverse('login')}?next={reverse('cases:file_list')}", 302)
    assert "logged out after 30 minutes without activity" in response.content.decode()
    assert not Session.objects.exists() and not UserSession.objects.exists()


def test_activity_keeps_a_session_only_up_to_twelve_hours(user, clock):
    client = signed_in(user)
    for _ in range(12 * 3):  # a page every 20 minutes for 12 hours
        clock.shift(dt.timedelta(minutes=20))
        assert is_signed_in(client)
    clock.shift(dt.timedelta(minutes=1))
    response = client.get(reverse("dashboard"), follow=True)
    assert "signed in for 12 hours" in response.content.decode()
    assert not is_signed_in(client)


def test_a_page_within_the_minute_writes_nothing(user, clock):
    client = signed_in(user)
    clock.shift(dt.timedelta(seconds=30))
    with CaptureQueriesContext(connection) as queries:
        assert is_signed_in(client)
    writes = [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
    assert writes == []
    clock.shift(dt.timedelta(seconds=40))
    assert is_signed_in(client)
    assert UserSession.objects.get().last_seen == timezone.now()


def test_deactivating_a_user_ends_every_session_at_once(user, clock):
    phone, desk = signed_in(user, PHONE), signed_in(user, DESKTOP)
    other = signed_in(UserFactory())
    user.is_active = False
    user.save()
    assert not UserSession.objects.filter(user=user).exists()
    assert Session.objects.count() == 1
    assert not is_signed_in(phone) and not is_signed_in(desk)
    assert is_signed_in(other)


def test_the_sessions_page_lists_live_sessions_with_their_device(user, clock):
    signed_in(user, PHONE, "203.0.113.9")
    clock.shift(dt.timedelta(minutes=5))
    desk = signed_in(user, DESKTOP)
    signed_in(UserFactory(), PHONE, "192.0.2.99")
    html = desk.get(reverse("accounts:session_list")).content.decode()
    assert "Chrome on Android" in html and "203.0.113.9" in html
    assert "Firefox on Windows" in html and "This session" in html
    assert "192.0.2.99" not in html


def test_ending_another_session_signs_that_browser_out_and_keeps_this_one(user, clock):
    phone, desk = signed_in(user, PHONE), signed_in(user, DESKTOP)
    phone_row = UserSession.objects.get(user_agent=PHONE)
    response = desk.post(reverse("accounts:session_end", args=[phone_row.pk]), follow=True)
    assert "The session was ended." in response.content.decode()
    assert not is_signed_in(phone) and is_signed_in(desk)


def test_log_out_everywhere_else(user, clock):
    phone, tablet, desk = signed_in(user, PHONE), signed_in(user, PHONE), signed_in(user, DESKTOP)
    response = desk.post(reverse("accounts:session_end_others"), follow=True)
    assert "2 other sessions were ended." in response.content.decode()
    assert not is_signed_in(phone) and not is_signed_in(tablet) and is_signed_in(desk)


def test_nobody_ends_or_sees_someone_elses_session(user, clock):
    victim = signed_in(user, PHONE)
    intruder = signed_in(UserFactory())
    row = UserSession.objects.get(user=user)
    response = intruder.post(reverse("accounts:session_end", args=[row.pk]), follow=True)
    assert "That session has already ended." in response.content.decode()
    intruder.post(reverse("accounts:session_end_others"))
    assert is_signed_in(victim)
    assert PHONE not in intruder.get(reverse("accounts:session_list")).content.decode()


def test_the_current_session_cannot_be_ended_from_the_list(user, clock):
    desk = signed_in(user)
    row = UserSession.objects.get(user=user)
    desk.post(reverse("accounts:session_end", args=[row.pk]))
    assert is_signed_in(desk)


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (PHONE, "Chrome on Android"),
        (DESKTOP, "Firefox on Windows"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/116.0 Safari/537.36 MicroMessenger/8.0.49",
            "WeChat on Android",
        ),
        ("", "Unknown browser"),
        ("curl/8.5.0", "Unknown browser"),
    ],
)
def test_device_labels(agent, label):
    assert device_label(agent) == label


def test_sessions_page_queries_do_not_grow_with_sessions(user, clock):
    desk = signed_in(user)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert desk.get(reverse("accounts:session_list")).status_code == 200
        return len(queries)

    page_queries()  # the navigation's counts are cached from here on
    alone = page_queries()
    for _ in range(5):
        signed_in(user, PHONE)
    assert page_queries() == alone


def test_a_shared_account_with_many_sessions_gets_them_in_pages(user, clock, settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "PAGE_SIZE": 3}
    for minute in range(5):
        signed_in(user, PHONE, f"198.51.100.{minute}")
        clock.shift(dt.timedelta(minutes=1))
    desk = signed_in(user, DESKTOP)
    first = desk.get(reverse("accounts:session_list"))
    rows = first.context["rows"]
    assert [r["current"] for r in rows] == [True, False, False]  # this session leads: seen last
    assert 'rel="next"' in first.content.decode() and 'id="end-others"' in first.content.decode()
    second = desk.get(reverse("accounts:session_list") + f"?after={first.context['page'].next_cursor}")
    ips = [r["row"].ip for r in rows[1:] + second.context["rows"]]
    assert ips == [f"198.51.100.{m}" for m in (4, 3, 2, 1, 0)]
