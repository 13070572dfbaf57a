"""A cadre makes an API token on their settings page, reads the API documentation served without any
network beyond the app (Swagger UI from static files), and a program uses the token on the live server."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from tests.factories import HardshipFileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_cadre_makes_a_token_reads_the_docs_offline_and_a_program_lists_files(desktop, cadre, group_a1):
    hfile = HardshipFileFactory(unit=group_a1, created_by=cadre)
    outside = []
    desktop.context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(desktop.base_url)
            else (outside.append(route.request.url), route.abort())
        ),
    )
    page = desktop.login("cadre")
    desktop.goto("/notifications/settings/")
    page.locator("#api-token-link").click()
    page.get_by_role("button", name="Create a token").click()
    key = page.locator("#token-key").inner_text().strip()
    assert key == Token.objects.get(user=cadre).key

    desktop.goto("/api/v1/docs/")
    expect(page.locator(".swagger-ui .opblock-tag").first).to_be_visible(timeout=20000)
    expect(page.get_by_text("/api/v1/files/{id}/visits/").first).to_be_visible()
    desktop.screenshot("api_docs", full_page=False)
    assert outside == [] and desktop.errors == []

    url = desktop.base_url + "/api/v1/files/"  # the live test server, over http
    request = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        rows = json.load(response)["results"]
    assert [row["id"] for row in rows] == [hfile.pk]
