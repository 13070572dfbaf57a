"""The token page, token sign-in, and the documentation served without a CDN."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_user_creates_replaces_and_revokes_their_token(client_for, cadre):
    client = client_for(cadre)
    assert "You have no API token." in client.get(reverse("api:token")).content.decode()
    client.post(reverse("api:token"), {"action": "create"})
    first = Token.objects.get(user=cadre).key
    page = client.get(reverse("api:token"))
    assert first in page.content.decode() and page["Cache-Control"] == "private, no-store"
    client.post(reverse("api:token"), {"action": "create"})
    second = Token.objects.get(user=cadre).key
    program = APIClient()
    program.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert program.get(reverse("api:file-list")).status_code == 401
    program.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert program.get(reverse("api:file-list")).status_code == 200
    client.post(reverse("api:token"), {"action": "revoke"})
    assert not Token.objects.filter(user=cadre).exists()
    assert program.get(reverse("api:file-list")).status_code == 401


def test_inactive_user_token_stops_working(api, cadre):
    client = api.as_user(cadre)
    cadre.is_active = False
    cadre.save()
    assert client.get(reverse("api:file-list")).status_code == 401


def test_docs_are_served_from_static_files(client_for, cadre):
    html = client_for(cadre).get(reverse("api:docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
    redoc = client_for(cadre).get(reverse("api:redoc")).content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/" in redoc and "cdn" not in redoc.lower()


def test_schema_lists_the_api_and_needs_a_user(api, cadre):
    assert api.get(reverse("api:schema")).status_code == 401
    schema = api.as_user(cadre).get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    assert "/api/v1/files/{id}/" in schema["paths"]
    assert "404" in schema["paths"]["/api/v1/files/{id}/"]["get"]["responses"]


def test_anonymous_and_user_calls_are_throttled(api, cadre, settings):
    settings.API = {**settings.API, "THROTTLE_ANON": "2/minute", "THROTTLE_USER": "3/minute"}
    anonymous = APIClient()
    assert [anonymous.get(reverse("api:unit-list")).status_code for _ in range(3)] == [401, 401, 429]
    guesser = APIClient(REMOTE_ADDR="10.0.0.9", HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert [guesser.get(reverse("api:file-list")).status_code for _ in range(3)] == [401, 401, 429]
    client = api.as_user(cadre)
    statuses = [client.get(reverse("api:unit-list")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_schema_generates_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", urlconf="api.urls_schema", validate=True, fail_on_warn=True, file=str(out))
    assert "/api/v1/aid-requests/{id}/approve/" in out.read_text()


def test_a_token_works_for_its_lifetime_then_is_refused_with_where_to_get_a_new_one(client_for, cadre, settings):
    settings.API = {**settings.API, "TOKEN_DAYS": 90}
    made = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(made, tick=False) as clock:
        client = client_for(cadre)
        client.post(reverse("api:token"), {"action": "create"})
        program = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        program.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=cadre).key}")
        assert 'id="token-expires"' in client.get(reverse("api:token")).content.decode()
        clock.move_to(made + dt.timedelta(days=90) - dt.timedelta(seconds=1))
        assert program.get(reverse("api:file-list")).status_code == 200
        clock.move_to(made + dt.timedelta(days=90))
        refused = program.get(reverse("api:file-list"))
        assert refused.status_code == 401
        assert refused.json()["detail"] == "This API token expired on 2026-05-30. Make a new one on the API token page."
        assert 'id="token-expired"' in client.get(reverse("api:token")).content.decode()
        client.post(reverse("api:token"), {"action": "create"})  # a new one works at once
        program.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=cadre).key}")
        assert program.get(reverse("api:file-list")).status_code == 200
