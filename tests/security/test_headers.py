"""Every page carries the content security policy and the other security headers, in every environment."""

import pytest
from django.urls import reverse

REQUIRED = {"object-src": ["'none'"], "base-uri": ["'none'"], "frame-ancestors": ["'none'"]}


def policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


@pytest.mark.django_db
def test_login_page_sends_the_policy_and_the_security_headers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert REQUIRED.items() <= policy(response).items()
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_policy_allows_only_the_apps_own_origin_and_nothing_inline(client, cadre):
    client.force_login(cadre)
    directives = policy(client.get(reverse("dashboard")))
    sources = {source for name, values in directives.items() for source in values}
    assert sources == {"'self'", "'none'", "data:"}
    assert [name for name, values in directives.items() if "data:" in values] == ["img-src"]
    # Scripts, workers (a service worker) and fetches from the app itself; inline script never.
    for name in ("default-src", "script-src", "style-src", "worker-src", "connect-src"):
        assert directives[name] == ["'self'"], name


@pytest.mark.django_db
def test_error_pages_carry_the_policy_too(client, cadre):
    client.force_login(cadre)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert REQUIRED.items() <= policy(response).items()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["api:docs", "api:redoc"])
def test_the_api_documentation_alone_allows_inline_styles_never_scripts(client, name):
    """Swagger UI and Redoc style their widgets inline: those two static shells (no data) allow inline styles;
    scripts stay the app's own, and the rest of the policy is unchanged."""
    directives = policy(client.get(reverse(name)))
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["script-src"] == ["'self'"]
    assert REQUIRED.items() <= directives.items()
