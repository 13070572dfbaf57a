"""The file's history: every create, change and deletion of the card, its members, causes and plan."""

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from org.people import display_name

from .models import AssistancePlan, FileCause, Guarantee, HardshipFile, Member, PlanHelper, PlanMeasure
from .selectors import CONFIG_MODELS, config_items

# JSON list fields whose items are choices.
LIST_LABELS = {"guarantees": dict(Guarantee.choices)}
KIND_LABELS = {"+": gettext_lazy("added"), "~": gettext_lazy("changed"), "-": gettext_lazy("removed")}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: Any
    user: Any
    subject: str
    kind: str
    reason: str = ""
    changes: list[Change] = field(default_factory=list)

    @property
    def actor(self) -> str:
        if self.user is None:
            return _("system")
        return display_name(self.user)

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _display(model: type[models.Model], name: str, value: Any, record: Any) -> str:
    if value in (None, ""):
        return "—"
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, list):
        return "、".join(str(LIST_LABELS.get(name, {}).get(v, v)) for v in value) or "—"
    if isinstance(model_field, models.ForeignKey):
        if model_field.related_model in CONFIG_MODELS:
            # Configuration rows come from the cache: no query per history row.
            return next((str(i) for i in config_items(model_field.related_model) if i.pk == value), str(value))
        related = getattr(record, name, None)
        return str(related) if related is not None else str(value)
    if isinstance(model_field, models.BooleanField):
        return _("Yes") if value else _("No")
    return str(value)


def _entries(records: list, model: type[models.Model], subject) -> list[HistoryEntry]:
    """One entry per historical record; changes are diffs against the same object's previous record."""
    previous: dict[int, Any] = {}
    entries = []
    for rec in records:
        entry = HistoryEntry(
            at=rec.history_date,
            user=rec.history_user,
            subject=subject(rec),
            kind=rec.history_type,
            reason=rec.history_change_reason or "",
        )
        before = previous.get(rec.id)
        if before is not None and rec.history_type == "~":
            delta = rec.diff_against(before)
            entry.changes = [
                Change(
                    capfirst(model._meta.get_field(c.field).verbose_name),
                    _display(model, c.field, c.old, before),
                    _display(model, c.field, c.new, rec),
                )
                for c in delta.changes
            ]
            if not entry.changes and not entry.reason:
                continue
        previous[rec.id] = rec
        entries.append(entry)
    return entries


def _records(manager, **filters) -> list:
    return list(manager.filter(**filters).select_related("history_user").order_by("history_date", "history_id"))


def file_history(hfile: HardshipFile, *, full: bool = False) -> list[HistoryEntry]:
    """Newest first. The file page shows card, members and plan; `full` adds causes, measures and helpers."""
    card = _("Card")
    entries = _entries(_records(HardshipFile.history, id=hfile.pk), HardshipFile, lambda r: card)
    entries += _entries(
        _records(Member.history, file_id=hfile.pk), Member, lambda r: _("Member %(name)s") % {"name": r.name}
    )
    entries += _entries(
        _records(AssistancePlan.history, file_id=hfile.pk), AssistancePlan, lambda r: _("Assistance plan")
    )
    if full:
        entries += _entries(
            list(
                FileCause.history.filter(file_id=hfile.pk)
                .select_related("history_user", "cause")
                .order_by("history_date", "history_id")
            ),
            FileCause,
            lambda r: _("Cause %(name)s") % {"name": r.cause},
        )
        plan_ids = {r.id for r in AssistancePlan.history.filter(file_id=hfile.pk).only("id")}
        entries += _entries(
            _records(PlanMeasure.history, plan_id__in=plan_ids), PlanMeasure, lambda r: _("Plan measure")
        )
        entries += _entries(
            list(
                PlanHelper.history.filter(plan_id__in=plan_ids)
                .select_related("history_user", "user")
                .order_by("history_date", "history_id")
            ),
            PlanHelper,
            lambda r: _("Helper %(name)s") % {"name": display_name(r.user)},
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
