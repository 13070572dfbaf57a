"""Fixtures of the aid tests: a fund of group A1 with money for several requests, and a filed household there."""

import pytest

from tests.factories import funded

from .helpers import filed_household


@pytest.fixture
def rich_fund(group_a1):
    return funded(group_a1, "20000.00")


@pytest.fixture
def household(group_a1):
    return filed_household(group_a1)
