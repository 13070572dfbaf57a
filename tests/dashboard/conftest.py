"""A federation whose two branches each have files failing every data-quality check, aid waiting and funds."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from cases.models import AssistancePlan, PlanHelper, Tier
from cases.workflow import FileKind, FileStatus
from funds.models import EvidenceItem
from funds.services import aid_request_create, aid_request_decide, aid_request_pay
from org.models import Role
from tests.factories import HardshipFileFactory, UserFactory, funded
from tests.funds.helpers import medical, submit

LONG_AGO = timezone.now() - dt.timedelta(days=400)


@pytest.fixture(autouse=True)
def _documents_in_memory(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@dataclass
class Branch:
    """What was made in one branch, to compare with what the dashboard counts."""

    filed: int = 0
    stale: int = 0
    never_aided: int = 0
    no_helper: int = 0
    review_overdue: int = 0
    tier_disagrees: int = 0
    missing_evidence: int = 0
    waiting: int = 0


def filed(unit, helper=None, **kwargs):
    hfile = HardshipFileFactory(unit=unit, status=FileStatus.FILED, filed_on=timezone.localdate(), **kwargs)
    if helper:
        PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=hfile, goal="目标"), user=helper)
    return hfile


def populate(group, other_group, cadre, chair, scale: int = 1) -> Branch:
    """`scale` x: one file per check in `group`, two never-aided households in `other_group`, a paid
    request, a request waiting for the chair that later lacks a newly required document, and a draft."""
    today = timezone.localdate()
    deep, relative = list(Tier.objects.order_by("order"))[:2]
    made = Branch()
    fund = funded(group, "50000.00")
    for _ in range(scale):
        aided = filed(group, cadre)
        stale = filed(group, cadre)
        type(stale).objects.filter(pk=stale.pk).update(updated_at=LONG_AGO)
        filed(group)  # no helper
        filed(group, cadre, review_due_on=today - dt.timedelta(days=3))
        filed(group, cadre, tier=relative, suggested_tier=deep)
        filed(other_group, cadre)
        filed(other_group, cadre)
        # Neither counted: closed long ago, and a temporary file never filed.
        closed = HardshipFileFactory(unit=group, status=FileStatus.CLOSED)
        type(closed).objects.filter(pk=closed.pk).update(updated_at=LONG_AGO)
        HardshipFileFactory(unit=group, kind=FileKind.TEMPORARY, status=FileStatus.SUBMITTED)

        paid = submit(aid_request_create(hfile=aided, data=medical(fund, invoices=[f"P-{aided.pk}"]), by=cadre), cadre)
        paid = aid_request_decide(request=paid, action="approve", by=chair)
        aid_request_pay(request=paid, by=chair, idempotency_key=f"pay-{paid.pk}")
        waiting_file = filed(group, cadre)
        data = medical(fund, invoices=[f"W-{waiting_file.pk}"])
        submit(aid_request_create(hfile=waiting_file, data=data, by=cadre), cadre)
        draft = medical(fund, invoices=[f"D-{waiting_file.pk}"])
        aid_request_create(hfile=filed(group, cadre), data=draft, by=cadre)  # stays a draft
        made.filed += 9
        made.stale += 1
        made.no_helper += 1
        made.review_overdue += 1
        made.tier_disagrees += 1
        # Everyone but the paid household; the draft's and the waiting request's households were never paid.
        made.never_aided += 8
        made.waiting += 1
    # A document every medical request must now carry: the waiting requests lack it (the paid ones too).
    EvidenceItem.objects.create(aid_type=paid.aid_type, name_zh="新增证明", name_en="New proof", required=True)
    made.missing_evidence = 2 * scale
    return made


@pytest.fixture
def landscape(branch_a, branch_b, group_a1, group_a2, group_b1, cadre, branch_chair, cadre_other_branch):
    """Branch A (groups A1, A2) and branch B (group B1, and B2 below it), each with every problem once."""
    from tests.factories import UnitFactory

    group_b2 = UnitFactory(name_zh="乙二小组", name_en="Group B2", parent=branch_b)
    chair_b = UserFactory(username="chair_b", roles=[(branch_b, Role.BRANCH_CHAIR)])
    return {
        "a": populate(group_a1, group_a2, cadre, branch_chair),
        "b": populate(group_b1, group_b2, cadre_other_branch, chair_b),
    }
