"""Printable documents about one household, one cadre's month, one fund or one aid request."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, OuterRef, Prefetch, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import AssistancePlan, FileCause, HardshipFile, PlanHelper, PlanMeasure
from cases.selectors import plan_for_file
from funds.models import AidDecision, AidRequest, Entry, Fund, moved_q
from funds.services import aid_derivation, approval_chain, held_total
from hardship.money import MoneySum
from hardship.versioned import current_version
from org.models import Unit
from org.people import display_name
from visits.models import Visit
from visits.selectors import holiday_pending_q, missed_before_q, obligated_files, visited_now_q

from ..annual import local_midnight, subtree_unit_ids
from ..forms import AidSheetForm, FundStatementForm, HardshipCardForm, VisitRosterForm
from . import ALL_ROLES, DataGone, ReportKind, register

VISITS_ON_CARD = 12


def _check_unit(obj_unit_id: int, report) -> None:
    """A household, fund or request moved to another unit is printed only when asked for again there."""
    if obj_unit_id != report.unit_id:
        raise DataGone(_("It now belongs to another unit: ask for the document again from its page."))


# --- the hardship card -----------------------------------------------------------------------------


def _card_file(report) -> HardshipFile:
    return (
        HardshipFile.objects.select_related("unit", "tier", "plan")
        .prefetch_related(
            "members",
            Prefetch("file_causes", queryset=FileCause.objects.select_related("cause").order_by("-is_primary", "pk")),
            Prefetch("plan__measures", queryset=PlanMeasure.objects.select_related("heading")),
            Prefetch("plan__helpers", queryset=PlanHelper.objects.select_related("user")),
        )
        .get(pk=report.params["pk"])
    )


def card_fingerprint(report) -> list:
    file_id = report.params["pk"]
    return [
        current_version(),
        HardshipFile.objects.filter(pk=file_id).values_list("unit_id", "updated_at").first(),
        AssistancePlan.objects.filter(file_id=file_id).values_list("updated_at", flat=True).first(),
        PlanHelper.objects.filter(plan__file_id=file_id).aggregate(n=Count("pk"), last=Max("pk")),
        Visit.objects.filter(file_id=file_id).aggregate(n=Count("pk"), last=Max("pk")),
        AidRequest.objects.filter(file_id=file_id).aggregate(n=Count("pk"), at=Max("updated_at")),
    ]


def card_build(report, progress) -> dict:
    hfile = _card_file(report)
    _check_unit(hfile.unit_id, report)
    progress(30)
    return {
        "file": hfile,
        "plan": plan_for_file(hfile),
        "visits": list(hfile.visits.select_related("reason").order_by("-visited_on", "-pk")[:VISITS_ON_CARD]),
        "aid_requests": list(hfile.aid_requests.select_related("aid_type", "fund").order_by("-pk")),
    }


def card_title(unit: Unit, params: dict) -> str:
    name = HardshipFile.objects.filter(pk=params["pk"]).values_list("name", flat=True).first() or ""
    return _("Hardship card · %(name)s (no. %(pk)s)") % {"name": name, "pk": params["pk"]}


# --- a cadre's monthly visit roster ------------------------------------------------------------------


def _month(params: dict) -> dt.date:
    return dt.date(int(params["month"][:4]), int(params["month"][5:7]), 1)


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def roster_fingerprint(report) -> list:
    ids = subtree_unit_ids(report.unit)
    return [
        current_version(),
        HardshipFile.objects.filter(unit_id__in=ids).aggregate(n=Count("pk"), at=Max("updated_at")),
        AssistancePlan.objects.filter(file__unit_id__in=ids).aggregate(at=Max("updated_at")),
        PlanHelper.objects.filter(plan__file__unit_id__in=ids).aggregate(n=Count("pk"), last=Max("pk")),
        Visit.objects.filter(file__unit_id__in=ids).aggregate(n=Count("pk"), last=Max("pk")),
    ]


def roster_build(report, progress) -> dict:
    month = _month(report.params)
    files = obligated_files(HardshipFile.objects.filter(unit_id__in=subtree_unit_ids(report.unit)), month)
    if report.params.get("helper"):
        files = files.filter(plan__helpers__user_id=report.params["helper"])
    last = Visit.objects.filter(file=OuterRef("pk")).order_by("-visited_on").values("visited_on")[:1]
    rows = (
        files.annotate(
            done=_flag(visited_now_q(month)),
            overdue=_flag(missed_before_q(month)),
            holiday_pending=_flag(holiday_pending_q(month)),
            last_visited_on=Subquery(last),
        )
        .select_related("unit", "tier")
        .order_by("unit__path", "name", "pk")
    )
    progress(40)
    return {"month": month, "rows": list(rows), "helper": _helper(report.params)}


def _helper(params: dict):
    return get_user_model().objects.filter(pk=params.get("helper")).first() if params.get("helper") else None


def roster_title(unit: Unit, params: dict) -> str:
    helper = _helper(params)
    title = _("Visit roster %(month)s · %(unit)s") % {"month": params["month"], "unit": unit.name}
    return f"{title} · {display_name(helper)}" if helper else title


# --- a fund statement for a period -------------------------------------------------------------------


def _period(params: dict) -> tuple[dt.datetime, dt.datetime]:
    start = dt.date.fromisoformat(params["start"])
    end = dt.date.fromisoformat(params["end"]) + dt.timedelta(days=1)
    return local_midnight(start), local_midnight(end)


def statement_fingerprint(report) -> list:
    fund_id = report.params["pk"]
    return [
        Fund.objects.filter(pk=fund_id).values_list("unit_id", "name").first(),
        Entry.objects.filter(fund_id=fund_id).aggregate(n=Count("pk"), last=Max("pk")),
    ]


def statement_build(report, progress) -> dict:
    fund = Fund.objects.select_related("unit", "kind").get(pk=report.params["pk"])
    _check_unit(fund.unit_id, report)
    start, end = _period(report.params)
    entries = Entry.objects.held().filter(
        fund=fund, transaction__created_at__gte=start, transaction__created_at__lt=end
    )
    totals = entries.filter(moved_q()).aggregate(
        inflow=MoneySum("amount", filter=Q(amount__gt=0)), outflow=MoneySum("amount", filter=Q(amount__lt=0))
    )
    progress(30)
    return {
        "fund": fund,
        "start": dt.date.fromisoformat(report.params["start"]),
        "end": dt.date.fromisoformat(report.params["end"]),
        "opening": held_total(fund, start),
        "closing": held_total(fund, end),
        "inflow": totals["inflow"] or 0,
        "outflow": -(totals["outflow"] or 0),
        "entries": list(entries.select_related("transaction", "transaction__actor").order_by("pk")),
    }


def statement_title(unit: Unit, params: dict) -> str:
    name = Fund.objects.filter(pk=params["pk"]).values_list("name", flat=True).first() or ""
    return _("Fund statement · %(fund)s · %(start)s to %(end)s") % {
        "fund": name,
        "start": params["start"],
        "end": params["end"],
    }


# --- an aid request's approval sheet -----------------------------------------------------------------


def sheet_fingerprint(report) -> list:
    aid_id = report.params["pk"]
    return [
        current_version(),
        AidRequest.objects.filter(pk=aid_id).values_list("file__unit_id", "updated_at").first(),
        AidDecision.objects.filter(request_id=aid_id).aggregate(n=Count("pk"), last=Max("pk")),
    ]


def sheet_build(report, progress) -> dict:
    decisions = AidDecision.objects.select_related("actor", "on_behalf_of").order_by("at", "pk")
    aid = (
        AidRequest.objects.select_related(
            "file__unit", "aid_type", "fund__unit", "created_by", "child", "payment__actor"
        )
        .prefetch_related("invoices", Prefetch("decisions", queryset=decisions))
        .get(pk=report.params["pk"])
    )
    _check_unit(aid.file.unit_id, report)
    progress(30)
    return {
        "aid": aid,
        "derivation": aid_derivation(request=aid),
        "chain": approval_chain(aid_type=aid.aid_type, amount=aid.requested_amount),
    }


def sheet_title(unit: Unit, params: dict) -> str:
    return _("Aid approval sheet · request no. %(pk)s") % {"pk": params["pk"]}


for kind in (
    ReportKind("hardship_card", gettext_lazy("Hardship card"), HardshipCardForm, ALL_ROLES,
               "pdf/hardship_card.html", card_build, card_fingerprint, card_title),
    ReportKind("visit_roster", gettext_lazy("Monthly visit roster"), VisitRosterForm, ALL_ROLES,
               "pdf/visit_roster.html", roster_build, roster_fingerprint, roster_title),
    ReportKind("fund_statement", gettext_lazy("Fund statement"), FundStatementForm, ALL_ROLES,
               "pdf/fund_statement.html", statement_build, statement_fingerprint, statement_title),
    ReportKind("aid_sheet", gettext_lazy("Aid approval sheet"), AidSheetForm, ALL_ROLES,
               "pdf/aid_sheet.html", sheet_build, sheet_fingerprint, sheet_title),
):  # fmt: skip
    register(kind)
