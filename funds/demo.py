"""Demo funds and aid for `seed_demo`, all through the real services and idempotent.

The federation's special-assistance fund receives the finance department's
allocation and passes money down to each branch, and each branch to its groups
(a cadre requests aid from the funds of their own unit). Each
fund has this year's budget. The cadres' households get aid requests in
several states (paid, waiting for the branch chair, gone on to federation
staff, returned, rejected, a draft), so every demo login has something to look
at. Requests are made once per federation; funds are found by name and money
moves under fixed idempotency keys, so a second run changes nothing.
"""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from cases.demo import DemoPeople, demo_step
from cases.models import HardshipFile, PlanHelper
from cases.workflow import FileStatus
from org.models import Unit

from .models import AidRequest, AidType, Fund, FundKind
from .services import (
    AidData,
    aid_document_add,
    aid_request_create,
    aid_request_decide,
    aid_request_pay,
    aid_request_submit,
    checklist,
    fiscal_year_set_budget,
    fund_allocate,
    fund_create,
    fund_transfer,
)

D = Decimal
FUND_NAME = "专项帮扶资金"
# (kind, name, source, allocated, this year's budget) of the federation's funds.
FEDERATION_FUNDS = [
    ("special", FUND_NAME, "finance", D("2000000.00"), D("2400000.00")),
    ("warm-sending", "送温暖资金", "union_dues", D("500000.00"), D("600000.00")),
]
BRANCH_SHARE, BRANCH_BUDGET = D("300000.00"), D("360000.00")
GROUP_SHARE, GROUP_BUDGET = D("50000.00"), D("60000.00")
# The demo cadre and chair of each branch, in seed_demo's order of branches; the cadre's group is the first.
BRANCH_PEOPLE = [("cadre", "chair"), ("cadre3", "chair2"), ("cadre4", "chair3")]
# Medical facts: 10,000 yuan out of pocket suggests 1,500; 28,750 suggests 8,000, above the branch's 5,000.
SMALL = {"total_cost": D("20000"), "insurance": D("8000"), "other_aid": D("2000"), "requested_amount": D("1500.00")}
LARGE = {"total_cost": D("40000"), "insurance": D("9250"), "other_aid": D("2000"), "requested_amount": D("8000.00")}
# (what is asked, the steps after creation): the first branch gets them all, the others the first two.
SCENARIOS = [
    ("medical-small", ["submit", "approve", "pay"]),
    ("medical-small", ["submit"]),
    ("medical-large", ["submit", "approve"]),
    ("temporary", ["submit", "return"]),
    ("disaster", ["submit", "reject"]),
    ("living", []),
]
COMMENTS = {"submit": "请审核", "approve": "同意", "return": "请补充医院诊断证明", "reject": "该户本年度已获同类救助"}


def _fund(unit: Unit, kind: str, name: str, by) -> Fund:
    existing = Fund.objects.filter(unit=unit, name=name).first()
    return existing or fund_create(unit=unit, kind=FundKind.objects.get(code=kind), name=name, by=by)


def _pass_down(source: Fund, target: Fund, amount: Decimal, by, budget: Decimal) -> None:
    fund_transfer(source=source, target=target, amount=amount, by=by, idempotency_key=f"demo-transfer-{target.pk}",
                  memo="下拨专项帮扶资金")  # fmt: skip
    fiscal_year_set_budget(fund=target, year=timezone.localdate().year, budget=budget, by=by)


def _funds(federation: Unit, groups: list[list[Unit]], people: DemoPeople) -> dict[int, Fund]:
    """The funds down the tree, with money and budgets; returns each group's fund by the group's id."""
    staff, year = people.by_username["federation"], timezone.localdate().year
    top = {}
    for kind, name, source, amount, budget in FEDERATION_FUNDS:
        fund = top[kind] = _fund(federation, kind, name, staff)
        fund_allocate(fund=fund, amount=amount, source=source, by=staff, idempotency_key=f"demo-allocate-{fund.pk}",
                      memo=f"{year}年度拨款")  # fmt: skip
        fiscal_year_set_budget(fund=fund, year=year, budget=budget, by=staff)
    group_funds = {}
    for branch_groups, (_cadre, chair_name) in zip(groups, BRANCH_PEOPLE, strict=False):
        chair = people.by_username[chair_name]
        branch_fund = _fund(branch_groups[0].parent, "special", FUND_NAME, staff)
        _pass_down(top["special"], branch_fund, BRANCH_SHARE, staff, BRANCH_BUDGET)
        for group in branch_groups:
            group_funds[group.pk] = _fund(group, "special", FUND_NAME, chair)
            _pass_down(branch_fund, group_funds[group.pk], GROUP_SHARE, chair, GROUP_BUDGET)
    return group_funds


def _households(group: Unit, chair) -> list[HardshipFile]:
    """Filed households of the group the chair is not a responsible helper of (so the chair may decide)."""
    helped = PlanHelper.objects.filter(user=chair).values("plan__file")
    return list(HardshipFile.objects.filter(unit=group, status=FileStatus.FILED).exclude(pk__in=helped).order_by("pk"))


def _data(what: str, fund: Fund, hfile: HardshipFile) -> AidData:
    if what.startswith("medical"):
        facts = SMALL if what == "medical-small" else LARGE
        return AidData(aid_type=AidType.objects.get(code="medical"), fund=fund,
                       invoice_numbers=[f"DEMO-{hfile.pk}-1"], **facts)  # fmt: skip
    aid_type = AidType.objects.select_related("rule").get(code=what)
    event = "家中失火，房屋受损" if what == "disaster" else ""
    return AidData(aid_type=aid_type, fund=fund, requested_amount=aid_type.rule.fixed_amount, event=event)


# A one-page PDF standing in for a scanned document.
DEMO_SCAN = b"%PDF-1.4\n% demo scan\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def demo_evidence(request: AidRequest, by) -> AidRequest:
    """Every required item of the request's checklist present: a demo scan, or the original seen on paper."""
    for row in checklist(request=request):
        if row.blocking:
            paper = row.item.paper_allowed
            scan = None if paper else SimpleUploadedFile(f"{row.item.name_en or 'scan'}.pdf", DEMO_SCAN)
            aid_document_add(
                request=request, item=row.item, dated=timezone.localdate(), by=by, upload=scan, on_paper=paper
            )
    return request


def _request(what: str, steps: list[str], fund: Fund, hfile: HardshipFile, cadre, chair) -> None:
    request = aid_request_create(hfile=hfile, data=_data(what, fund, hfile), by=cadre)
    for step in steps:
        if step == "submit":
            request = aid_request_submit(request=demo_evidence(request, cadre), by=cadre, comment=COMMENTS[step])
        elif step == "pay":
            request = aid_request_pay(request=request, by=chair, idempotency_key=f"demo-{request.pk}")
        else:
            request = aid_request_decide(request=request, action=step, by=chair, comment=COMMENTS[step])


@demo_step
@transaction.atomic
def seed_demo_funds(*, federation: Unit, groups: list[list[Unit]], people: DemoPeople) -> str:
    """Funds down the tree with budgets, and aid requests in several states for each branch's cadre."""
    group_funds = _funds(federation, groups, people)
    if AidRequest.objects.filter(federation=federation).exists():
        return f"Demo funds present ({len(group_funds)} group funds); aid requests present."
    made = 0
    for branch_no, (branch_groups, (cadre, chair)) in enumerate(zip(groups, BRANCH_PEOPLE, strict=False)):
        group, chair = branch_groups[0], people.by_username[chair]
        scenarios = SCENARIOS if branch_no == 0 else SCENARIOS[:2]
        for hfile, (what, steps) in zip(_households(group, chair), scenarios, strict=False):
            _request(what, steps, group_funds[group.pk], hfile, people.by_username[cadre], chair)
            made += 1
    return f"Demo funds and {made} aid requests created."
