"""Personas in a small union tree, and the switches for PostgreSQL/Redis-only tests.

The tree:   federation ─┬─ branch_a ─┬─ group_a1
                        │            └─ group_a2
                        └─ branch_b ─── group_b1
"""

import os

import pytest
from django.db import connection

from org.models import Role, UnitKind

from .factories import HardshipFileFactory, UnitFactory, UserFactory

REQUIRE = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config, items) -> None:
    on_postgres = connection.vendor == "postgresql"
    has_redis = bool(os.environ.get("REDIS_URL"))
    if REQUIRE and not (on_postgres and has_redis):
        raise pytest.UsageError("REQUIRE_SERVICES=1 but PostgreSQL or Redis is not configured.")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL): not reachable, running on SQLite")
    skip_redis = pytest.mark.skip(reason="needs Redis (REDIS_URL): not reachable")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not has_redis:
            item.add_marker(skip_redis)


def pytest_terminal_summary(terminalreporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.section("SKIPPED TESTS (not run on this machine)", sep="!", red=True, bold=True)
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            terminalreporter.write_line(f"  {report.nodeid}: {reason}", red=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached scopes and configuration lists must not leak between tests."""
    from django.core.cache import cache

    from hardship.versioned import forget_all

    cache.clear()
    forget_all()
    yield
    cache.clear()
    forget_all()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Chinese leaves Chinese active in the thread (LocaleMiddleware never deactivates): reset it,
    so a service test's English messages do not depend on which page test ran before it."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def federation(db):
    return UnitFactory(name_zh="市总工会", name_en="City federation", kind=UnitKind.FEDERATION)


@pytest.fixture
def branch_a(federation):
    return UnitFactory(name_zh="甲分会", name_en="Branch A", kind=UnitKind.BRANCH, parent=federation)


@pytest.fixture
def branch_b(federation):
    return UnitFactory(name_zh="乙分会", name_en="Branch B", kind=UnitKind.BRANCH, parent=federation)


@pytest.fixture
def group_a1(branch_a):
    return UnitFactory(name_zh="甲一小组", name_en="Group A1", parent=branch_a)


@pytest.fixture
def group_a2(branch_a):
    return UnitFactory(name_zh="甲二小组", name_en="Group A2", parent=branch_a)


@pytest.fixture
def group_b1(branch_b):
    return UnitFactory(name_zh="乙一小组", name_en="Group B1", parent=branch_b)


@pytest.fixture
def cadre(group_a1):
    return UserFactory(username="cadre", roles=[(group_a1, Role.CADRE)])


@pytest.fixture
def cadre_a2(group_a2):
    return UserFactory(username="cadre_a2", roles=[(group_a2, Role.CADRE)])


@pytest.fixture
def cadre_other_branch(group_b1):
    return UserFactory(username="cadre_b", roles=[(group_b1, Role.CADRE)])


@pytest.fixture
def branch_chair(branch_a):
    return UserFactory(username="chair", roles=[(branch_a, Role.BRANCH_CHAIR)])


@pytest.fixture
def chair_other_branch(branch_b):
    return UserFactory(username="chair_b", roles=[(branch_b, Role.BRANCH_CHAIR)])


@pytest.fixture
def federation_staff(federation):
    return UserFactory(username="fed", roles=[(federation, Role.FEDERATION_STAFF)])


@pytest.fixture
def administrator(federation):
    return UserFactory(username="admin", roles=[(federation, Role.ADMINISTRATOR)])


@pytest.fixture
def nobody(db):
    return UserFactory(username="nobody")


@pytest.fixture
def file_a1(group_a1, cadre):
    """A draft file in group A1, made by the cadre."""
    return HardshipFileFactory(unit=group_a1, created_by=cadre)


@pytest.fixture
def client_for(client):
    """Log a persona in; the client speaks English unless told otherwise."""

    def login(user, language: str = "en"):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        return client

    return login
