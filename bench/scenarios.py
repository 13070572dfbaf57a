"""The pages under load, resolved against the seeded data, and their queries per request."""

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases.models import HardshipFile, Tier
from cases.selectors import config_items, file_list_for_user
from cases.workflow import FileStatus

PERSONAS = {"chair": "branch chair", "federation": "federation staff"}
ADMIN = "admin"
DEEP_POSITION = 100_000
PAGE_SIZE = 25
# A full-table count over the files or members: what keyset pagination exists to avoid.
UNSCOPED_COUNT = re.compile(r'SELECT COUNT\(\*\).*?FROM "(cases_hardshipfile|cases_member)"', re.IGNORECASE | re.DOTALL)


@dataclass
class Scenario:
    name: str
    kind: str  # list, deep, filtered, search, file, admin
    persona: str
    path: str
    scope_files: int
    note: str = ""


def _persona_scenarios(username: str) -> list[Scenario]:
    user = get_user_model().objects.get(username=username)
    scoped = file_list_for_user(user=user)
    in_order = scoped.order_by("-updated_at", "-id")
    total = scoped.count()
    # Position ~100,000; a scope smaller than that gets its last full page, the deepest it has.
    position = min(DEEP_POSITION, total - PAGE_SIZE - 1)
    deep_pk = in_order.values_list("pk", flat=True)[position]
    tier = config_items(Tier, active_only=True)[0]
    id_prefix = in_order.values_list("id_number", flat=True)[total // 2][:10]
    card = (
        scoped.filter(plan__isnull=False)
        .annotate(n_members=Count("members", distinct=True))
        .order_by("-n_members", "pk")
        .first()
    )
    filtered = scoped.filter(status=FileStatus.FILED, tier=tier).count()
    matching = scoped.filter(id_number__startswith=id_prefix).count()

    def scenario(kind: str, path: str, note: str) -> Scenario:
        return Scenario(f"{username}:{kind}", kind, username, path, total, note)

    return [
        scenario("list", "/files/", "first page, default order"),
        scenario("deep", f"/files/?after={deep_pk}", f"keyset page after row {position:,}"),
        scenario("filtered", f"/files/?status=filed&tier={tier.pk}", f"{filtered:,} filed files in tier {tier.code}"),
        scenario("search", f"/files/?q={id_prefix}", f"{matching:,} IDs start {id_prefix}"),
        scenario("file", f"/files/{card.pk}/", f"file {card.pk}: {card.n_members} members, plan"),
    ]


def build_scenarios() -> list[Scenario]:
    scenarios = [s for username in PERSONAS for s in _persona_scenarios(username)]
    total = HardshipFile.objects.count()
    scenarios.append(
        Scenario(f"{ADMIN}:admin", "admin", ADMIN, "/admin/cases/hardshipfile/", total, "Django admin changelist")
    )
    return scenarios


@dataclass
class QueryCount:
    status: int
    queries: int
    unscoped_counts: list[str]


def count_queries(scenario: Scenario) -> QueryCount:
    """Queries for one request in-process, after a warm-up request has filled the caches."""
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=scenario.persona))
    client.get(scenario.path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(scenario.path)
    flagged = [
        q["sql"][:160] for q in ctx.captured_queries if UNSCOPED_COUNT.search(q["sql"]) and "WHERE" not in q["sql"]
    ]
    return QueryCount(status=response.status_code, queries=len(ctx), unscoped_counts=flagged)
