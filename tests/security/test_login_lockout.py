"""Password guessing: a username is locked out from one address only, for a while, with a clear message."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"
ATTACKER, CHAIR_DESK = "203.0.113.7", "198.51.100.20"


def attempt(client, username: str, password: str, address: str, language: str = "en"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("dashboard")


def guess(client, username: str, address: str, times: int = settings.AXES_FAILURE_LIMIT) -> None:
    for _ in range(times):
        attempt(client, username, "wrong-guess-123", address)
        client.cookies.clear()


@pytest.fixture
def chair():
    return UserFactory(username="chair")


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_wrong_passwords_from_one_address_lock_that_address_out_with_a_429(client, chair, clock):
    guess(client, "chair", ATTACKER)
    response = attempt(client, "chair", PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "Try again in 15 minutes" in response.content.decode()


def test_a_lock_out_does_not_reach_the_chair_at_another_address(client, chair, clock):
    guess(client, "chair", ATTACKER, times=settings.AXES_FAILURE_LIMIT * 3)
    assert logged_in(attempt(client, "chair", PASSWORD, CHAIR_DESK))


def test_a_lock_out_expires_after_the_cool_off(client, chair, clock):
    guess(client, "chair", ATTACKER)
    clock.shift(settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=5))
    assert attempt(client, "chair", PASSWORD, ATTACKER).status_code == 429
    client.cookies.clear()
    clock.shift(settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=5))
    assert logged_in(attempt(client, "chair", PASSWORD, ATTACKER))


def test_fewer_failures_than_the_limit_lock_nothing_and_a_success_starts_the_count_again(client, chair, clock):
    guess(client, "chair", ATTACKER, times=settings.AXES_FAILURE_LIMIT - 1)
    assert logged_in(attempt(client, "chair", PASSWORD, ATTACKER))
    client.logout()
    guess(client, "chair", ATTACKER, times=settings.AXES_FAILURE_LIMIT - 1)
    assert logged_in(attempt(client, "chair", PASSWORD, ATTACKER))


def test_the_lock_out_message_is_in_chinese_too(client, chair, clock):
    guess(client, "chair", ATTACKER)
    html = attempt(client, "chair", PASSWORD, ATTACKER, language="zh-hans").content.decode()
    assert "登录失败次数过多" in html and "15 分钟后再试" in html


def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_saw(client, chair, clock, settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "TRUSTED_PROXIES": 1}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # The client's forged first entry changes nothing: the proxy's entry (last) counts.
        client.post(
            reverse("login"),
            {"username": "chair", "password": "wrong-guess-123"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"{CHAIR_DESK}, {ATTACKER}",
        )
    locked = client.post(
        reverse("login"), {"username": "chair", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=ATTACKER,
    )  # fmt: skip
    assert locked.status_code == 429
    desk = client.post(
        reverse("login"), {"username": "chair", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=CHAIR_DESK,
    )  # fmt: skip
    assert logged_in(desk)
