"""The navigation: grouped menus that fit one line on a 1366 px screen and open on a phone."""

import os

import pytest
from playwright.sync_api import expect

from org.models import Role
from tests.factories import UserFactory

from .conftest import _screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Set to a directory to keep the screenshots taken here (they are not README pictures).
SHOTS = os.environ.get("NAV_SCREENSHOTS", "")


@pytest.fixture
def everything(federation, branch_a):
    """Federation staff who are also administrators: every link and menu of the bar."""
    return UserFactory(username="all", is_staff=True, roles=[(federation, Role.FEDERATION_STAFF)])


def _shot(screen, name: str) -> None:
    if SHOTS:
        screen.page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


# Bootstrap's bar with one line of links; a second line makes it about 100 px.
ONE_LINE_PX = 64


def bar_height(page) -> float:
    return page.locator("nav.navbar").bounding_box()["height"]


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_every_link_fits_one_line_at_1366_px(browser, live_server, everything, language):
    options = {"viewport": {"width": 1366, "height": 700}}
    for screen in _screen(browser, live_server, options, language):
        page = screen.login("all") if language == "en-US" else _login_zh(screen)
        assert bar_height(page) <= ONE_LINE_PX
        page.locator("#nav-money").click()
        expect(page.locator("#nav-approvals")).to_be_visible()
        _shot(screen, f"nav-1366-{language}")


def _login_zh(screen):
    page = screen.goto("/accounts/login/")
    page.locator("#id_username").fill("all")
    page.locator("#id_password").fill("pw-for-tests-1")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(screen.base_url + "/")
    return page


def test_the_menus_open_inside_the_collapsed_bar_on_a_phone(browser, live_server, everything):
    options = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    for screen in _screen(browser, live_server, options, "en-US"):
        page = screen.login("all")
        expect(page.locator("#nav-households")).to_be_hidden()
        _shot(screen, "nav-390-closed")
        screen.open_navigation()
        page.locator("#nav-visits").click()
        _shot(screen, "nav-390-open")
        assert screen.horizontal_overflow() == 0
        page.get_by_role("link", name="Compliance", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("compliance")
