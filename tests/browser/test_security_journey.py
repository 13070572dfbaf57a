"""The content security policy holds in a real browser, and the journeys hear of any violation."""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD
from tests.security.test_two_factor import now_code, totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

INJECT_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.injected = true";
  document.body.appendChild(script);
}"""
INJECT_STYLE = "() => document.body.setAttribute('style', 'background: red')"


@pytest.mark.parametrize("inject", [INJECT_SCRIPT, INJECT_STYLE], ids=["inline-script", "inline-style"])
def test_inline_code_is_refused_and_reported_as_a_journey_error(desktop, cadre, inject):
    page = desktop.login(cadre.username)
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(inject)
    assert page.evaluate("window.injected") is None
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    assert any("Content Security Policy" in error for error in desktop.errors)
    desktop.errors.clear()  # expected here; anywhere else it fails the test


def test_federation_staff_turn_on_two_factor_login_and_log_in_with_a_code(desktop, phone, federation_staff, settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "SESSION_IDLE_MINUTES": 30, "SESSION_MAX_HOURS": 12}
    page = phone.login(federation_staff.username)
    page.goto(phone.base_url + reverse("accounts:session_list"))
    phone.screenshot("sessions")
    page = desktop.login(federation_staff.username)
    page.goto(desktop.base_url + reverse("accounts:session_list"))
    expect(page.locator("#sessions tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Two-factor login").click()
    page.get_by_role("button", name="Set up two-factor login").click()
    expect(page.locator("#two-factor-qr svg")).to_be_visible()
    desktop.screenshot("two_factor_setup")
    secret = page.locator("#two-factor-secret").inner_text()
    page.get_by_label("Code").fill(now_code(secret))
    page.get_by_role("button", name="Turn two-factor login on").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    desktop.logout()
    page.get_by_label("Username").fill(federation_staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/login/code/")
    # A code the app shows in the next 30-second window: the one used to confirm is spent.
    page.get_by_label("Code").fill(totp(secret, dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=30)))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(desktop.base_url + "/")
    # The phone's session is listed; ending it signs the phone out.
    page.goto(desktop.base_url + reverse("accounts:session_list"))
    page.get_by_role("button", name="Log out everywhere else").click()
    expect(page.get_by_text("other session was ended", exact=False)).to_be_visible()
    phone.page.reload()
    assert "/accounts/login/" in phone.page.url
