"""What each exported list holds: the header in the reader's language and the rows, read in chunks.

Every table starts from the queryset its page shows (the same selector, the same filters), so an
export never reaches a row the list would not show. Sensitive values go through org.privacy:
each unit's "may see in full" is worked out once, then every row is masked or not by its unit.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.models import Cause, EmploymentStatus, FileCause, Health, Tier
from cases.selectors import config_items
from cases.workflow import FileKind, FileStatus
from funds.models import Account, Fund, Source, TransactionKind
from funds.selectors import statement_entries
from funds.workflow import AidStatus
from org.models import Unit
from org.people import display_name
from org.privacy import Field, can_see, mask
from org.scoping import scope_for
from visits.models import Outcome, VisitKind

CHUNK = 2000


@dataclass
class Table:
    filename: str
    header: list[str]
    rows: Iterator[list]


class Privacy:
    """Which sensitive fields the user may read in full, per unit of their scope (no query per row)."""

    def __init__(self, user, fields: tuple[str, ...]) -> None:
        self.full = {
            pk: frozenset(f for f in fields if can_see(user, f, Unit(pk=pk, path=path)))
            for pk, path, _zh, _en in scope_for(user).units
        }

    def __call__(self, unit_id: int, field: str, value):
        return value if field in self.full.get(unit_id, ()) else mask(field, value)


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _unit_names(user) -> dict[int, str]:
    english = _english()
    return {pk: (en or zh) if english else zh for pk, _path, zh, en in scope_for(user).units}


FILE_COLUMNS = (
    "pk",
    "unit_id",
    "name",
    "id_number",
    "phone",
    "status",
    "kind",
    "tier_id",
    "primary_cause_id",
    "household_size",
    "household_income",
    "per_capita_income",
    "health",
    "employment_status",
    "review_due_on",
    "filed_on",
    "updated_at",
)


def files_table(*, user, qs: QuerySet, order: tuple[str, bool]) -> Table:
    """The file list (its filter form already applied to the user's scoped files), sorted like the page."""
    field, descending = order
    primary = FileCause.objects.filter(file=OuterRef("pk"), is_primary=True).values("cause_id")[:1]
    qs = (
        qs.annotate(primary_cause_id=Subquery(primary))
        .order_by(f"-{field}" if descending else field, "-pk" if descending else "pk")
        .values_list(*FILE_COLUMNS)
    )
    header = [
        _("File no."),
        _("Unit"),
        _("Worker"),
        _("ID number"),
        _("Phone"),
        _("Status"),
        _("Kind of file"),
        _("Tier"),
        _("Primary cause"),
        _("Household size"),
        _("Household monthly income"),
        _("Per capita / month"),
        _("Health"),
        _("Employment status"),
        _("Review due"),
        _("Filed on"),
        _("Updated"),
    ]
    guard = Privacy(user, (Field.ID_NUMBER, Field.PHONE, Field.INCOME, Field.HEALTH))
    units = _unit_names(user)
    tiers = {t.pk: str(t) for t in config_items(Tier)}
    causes = {c.pk: str(c) for c in config_items(Cause)}
    labels = {
        "status": {k: str(v) for k, v in FileStatus.choices},
        "kind": {k: str(v) for k, v in FileKind.choices},
        "health": {k: str(v) for k, v in Health.choices},
        "employment": {k: str(v) for k, v in EmploymentStatus.choices},
    }

    def rows() -> Iterator[list]:
        for (
            pk,
            unit,
            name,
            idn,
            phone,
            status,
            kind,
            tier,
            cause,
            size,
            income,
            per_capita,
            health,
            *rest,
        ) in qs.iterator(chunk_size=CHUNK):
            employment, review, filed, updated = rest
            yield [
                pk,
                units.get(unit, ""),
                name,
                guard(unit, Field.ID_NUMBER, idn),
                guard(unit, Field.PHONE, phone),
                labels["status"].get(status, status),
                labels["kind"].get(kind, kind),
                tiers.get(tier, ""),
                causes.get(cause, ""),
                size,
                guard(unit, Field.INCOME, income),
                guard(unit, Field.INCOME, per_capita),
                guard(unit, Field.HEALTH, labels["health"].get(health, health)),
                labels["employment"].get(employment, employment),
                review,
                filed,
                updated,
            ]

    return Table(_("hardship-files"), header, rows())


def aid_table(*, user, qs: QuerySet) -> Table:
    """The aid list (the user's scoped requests with its status filter), newest first like the page."""
    name = "aid_type__name_en" if _english() else "aid_type__name_zh"
    qs = qs.order_by("-pk").values_list(
        "pk",
        "file__unit_id",
        "file__name",
        "file__id_number",
        name,
        "aid_type__name_zh",
        "fund__name",
        "requested_amount",
        "topup_amount",
        "status",
        "level",
        "created_at",
        "paid_at",
    )
    header = [
        _("No."),
        _("Unit"),
        _("Household"),
        _("ID number"),
        _("Aid type"),
        _("Fund"),
        _("Amount requested"),
        _("Top-up"),
        _("Status"),
        _("Approval level"),
        _("Created"),
        _("Paid"),
    ]
    guard = Privacy(user, (Field.ID_NUMBER,))
    units = _unit_names(user)
    statuses = {k: str(v) for k, v in AidStatus.choices}

    def rows() -> Iterator[list]:
        for (
            pk,
            unit,
            household,
            idn,
            type_name,
            type_zh,
            fund,
            amount,
            topup,
            status,
            level,
            created,
            paid,
        ) in qs.iterator(chunk_size=CHUNK):
            yield [
                pk,
                units.get(unit, ""),
                household,
                guard(unit, Field.ID_NUMBER, idn),
                type_name or type_zh,
                fund,
                amount,
                topup,
                statuses.get(status, status),
                level,
                created,
                paid,
            ]

    return Table(_("aid-requests"), header, rows())


def statement_table(*, fund: Fund, filters: dict) -> Table:
    """A fund's statement for the statement form's filters, newest first like the page."""
    qs = statement_entries(fund=fund, **filters).select_related("transaction__actor").order_by("-pk")
    header = [
        _("Time"),
        _("Transaction"),
        _("Kind"),
        _("Source"),
        _("Memo"),
        _("By"),
        _("Account"),
        _("Amount"),
        _("Available"),
        _("Reserved"),
        _("Balance"),
    ]
    kinds = {k: str(v) for k, v in TransactionKind.choices}
    sources = {k: str(v) for k, v in Source.choices}
    accounts = {k: str(v) for k, v in Account.choices}

    def rows() -> Iterator[list]:
        for entry in qs.iterator(chunk_size=CHUNK):
            txn = entry.transaction
            yield [
                txn.created_at,
                txn.pk,
                kinds.get(txn.kind, txn.kind),
                sources.get(txn.source, txn.source),
                txn.memo,
                display_name(txn.actor),
                accounts.get(entry.account, entry.account),
                entry.amount,
                entry.available_after,
                entry.reserved_after,
                entry.balance_after,
            ]

    return Table(_("fund-statement-%(pk)s") % {"pk": fund.pk}, header, rows())


def visits_table(*, user, hfile, qs: QuerySet) -> Table:
    """One household's visits, newest first like its visit list; notes follow the health policy."""
    qs = qs.select_related("reason", "recorded_by").prefetch_related("visitors").order_by("-visited_on", "-pk")
    header = [
        _("Visit date"),
        _("Kind of visit"),
        _("Visitors"),
        _("Who was met"),
        _("Living conditions"),
        _("Reason"),
        _("Notes"),
        _("Goods delivered"),
        _("Recorded by"),
    ]
    kinds = {k: str(v) for k, v in VisitKind.choices}
    outcomes = {k: str(v) for k, v in Outcome.choices}
    guard = Privacy(user, (Field.HEALTH,))

    def rows() -> Iterator[list]:
        for visit in qs.iterator(chunk_size=CHUNK):
            yield [
                visit.visited_on,
                kinds.get(visit.kind, visit.kind),
                "、".join(display_name(u) for u in visit.visitors.all()),
                visit.met,
                outcomes.get(visit.outcome, visit.outcome),
                str(visit.reason) if visit.reason else "",
                guard(hfile.unit_id, Field.HEALTH, visit.notes),
                visit.goods,
                display_name(visit.recorded_by),
            ]

    return Table(_("visits-%(pk)s") % {"pk": hfile.pk}, header, rows())
