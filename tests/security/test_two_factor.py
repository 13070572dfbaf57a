"""Two-factor login with real TOTP codes (RFC 6238, computed here as an authenticator app would)."""

import base64
import datetime as dt
import hashlib
import hmac
import re
import struct

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from org.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"
NOW = dt.datetime(2026, 3, 16, 9, 0, 7, tzinfo=dt.UTC)


def totp(secret: str, at: dt.datetime, step: int = 30) -> str:
    """The 6-digit code an authenticator app shows for `secret` at `at`."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at.timestamp()) // step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def now_code(secret: str) -> str:
    return totp(secret, dt.datetime.now(tz=dt.UTC))


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(federation):
    return UserFactory(username="zhou", roles=[(federation, Role.FEDERATION_STAFF)])


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def enrol(client: Client, clock) -> tuple[str, list[str]]:
    """Set up two-factor login through the page; (the secret, the recovery codes)."""
    page = client.post(reverse("accounts:two_factor"), {"action": "start"}).content.decode()
    assert "<svg" in page and 'class="segno"' in page
    secret = re.search(r'id="two-factor-secret">([A-Z2-7]+)<', page).group(1)
    clock.shift(dt.timedelta(seconds=31))  # a code the app shows a little later
    done = client.post(reverse("accounts:two_factor"), {"action": "confirm", "code": now_code(secret)})
    html = done.content.decode()
    assert "Two-factor login is on." in html
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", html)
    return secret, codes


def password_step(user, next_url: str = "") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("login_code")
    return client


def is_signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session and client.get(reverse("dashboard")).status_code == 200


@pytest.fixture
def enrolled(staff, clock):
    client = client_for(staff)
    secret, codes = enrol(client, clock)
    return secret, codes


def test_enrolment_shows_a_server_drawn_qr_code_and_ten_recovery_codes_once(staff, enrolled):
    secret, codes = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=staff).confirmed
    again = client_for(staff).get(reverse("accounts:two_factor")).content.decode()
    assert "Logging in asks for a code" in again and codes[0] not in again


def test_a_wrong_code_does_not_turn_it_on(staff, clock):
    client = client_for(staff)
    client.post(reverse("accounts:two_factor"), {"action": "start"})
    response = client.post(reverse("accounts:two_factor"), {"action": "confirm", "code": "000000"})
    assert "That code is not right." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=staff, confirmed=True).exists()


def test_the_password_alone_logs_nobody_in_once_it_is_on(staff, enrolled):
    client = password_step(staff)
    assert not is_signed_in(client)
    assert client.get(reverse("cases:file_list"))["Location"].startswith(reverse("login"))


def test_password_then_the_current_code_logs_in_and_follows_next(staff, enrolled, clock):
    secret, _ = enrolled
    client = password_step(staff, next_url=reverse("cases:file_list"))
    clock.shift(dt.timedelta(seconds=30))
    response = client.post(reverse("login_code"), {"code": now_code(secret)})
    assert response.status_code == 302 and response["Location"] == reverse("cases:file_list")
    assert is_signed_in(client)


def test_a_code_is_good_once_and_a_wrong_one_is_refused(staff, enrolled, clock):
    secret, _ = enrolled
    clock.shift(dt.timedelta(seconds=60))
    code = now_code(secret)
    first = password_step(staff)
    assert first.post(reverse("login_code"), {"code": code}).status_code == 302
    second = password_step(staff)
    refused = second.post(reverse("login_code"), {"code": code})
    assert "That code is not right." in refused.content.decode()
    assert not is_signed_in(second)


def test_a_recovery_code_logs_in_once(staff, enrolled):
    _, codes = enrolled
    client = password_step(staff)
    assert client.post(reverse("login_code"), {"code": codes[3].upper()}).status_code == 302
    assert is_signed_in(client)
    again = password_step(staff)
    assert "That code is not right." in again.post(reverse("login_code"), {"code": codes[3]}).content.decode()
    assert StaticToken.objects.filter(device__user=staff).count() == 9


def test_the_code_step_expires_and_allows_only_a_few_tries(staff, enrolled, clock):
    secret, _ = enrolled
    client = password_step(staff)
    clock.shift(dt.timedelta(minutes=6))
    late = client.post(reverse("login_code"), {"code": now_code(secret)}, follow=True)
    assert "log in with your password first" in late.content.decode()
    assert not is_signed_in(client)
    client = password_step(staff)
    for _ in range(5):
        client.post(reverse("login_code"), {"code": "123456"})
    clock.shift(dt.timedelta(seconds=30))
    final = client.post(reverse("login_code"), {"code": now_code(secret)})
    assert final["Location"] == reverse("login") and not is_signed_in(client)


def test_an_administrator_reset_lets_the_user_in_with_the_password_again(staff, enrolled):
    TOTPDevice.objects.filter(user=staff).delete()  # what deleting the device in the admin does
    client = Client()
    response = client.post(reverse("login"), {"username": staff.username, "password": PASSWORD})
    assert response["Location"] == reverse("dashboard")


def test_turning_it_off_needs_a_current_code(staff, enrolled, clock):
    secret, _ = enrolled
    client = client_for(staff)
    refused = client.post(reverse("accounts:two_factor"), {"action": "disable", "code": "000000"})
    assert "That code is not right." in refused.content.decode()
    clock.shift(dt.timedelta(seconds=30))
    client.post(reverse("accounts:two_factor"), {"action": "disable", "code": now_code(secret)})
    assert not TOTPDevice.objects.filter(user=staff).exists()


def test_cadres_and_chairs_are_not_offered_two_factor_login(cadre, branch_chair):
    for user in (cadre, branch_chair):
        assert client_for(user).get(reverse("accounts:two_factor")).status_code == 403


def test_the_admin_logs_in_through_the_apps_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("login") + "?next=/admin/"
