"""The one scoping mechanism: a user reaches the objects of their units and the units below.

Every queryset a user touches is narrowed by `ScopedQuerySet.visible_to(user)`.
The scope is computed once per request (cached on the user object) and fails
closed: no membership, an inactive user or an inactive unit gives an empty scope.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import get_language

from hardship.versioned import bump, remember

from .models import Membership, Role, Unit


@dataclass(frozen=True)
class Scope:
    """The units a user reaches and the roles they hold over each unit."""

    unit_ids: frozenset[int] = frozenset()
    # role -> paths of the units where it is held; a role covers every unit below.
    role_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # (pk, path, name_zh, name_en) of every unit in scope, in tree order, for choices.
    units: tuple[tuple[int, str, str, str], ...] = ()

    def roles_at(self, unit: Unit) -> frozenset[str]:
        """The roles the user holds over `unit` (at it or at an ancestor)."""
        if unit.pk not in self.unit_ids:
            return frozenset()
        return frozenset(role for role, paths in self.role_paths.items() if any(unit.path.startswith(p) for p in paths))

    def has_role(self, *roles: str) -> bool:
        return any(role in self.role_paths for role in roles)

    def unit_choices(self) -> list[tuple[int, str]]:
        """(pk, indented name) of the units in scope, for a select box without a query."""
        english = (get_language() or "").startswith("en")
        top = min((path.count("/") for _pk, path, _zh, _en in self.units), default=0)
        return [
            (pk, "\u2003" * (path.count("/") - top) + ((en or zh) if english else zh))
            for pk, path, zh, en in self.units
        ]

    def unit_choices_under(self, roles) -> list[tuple[int, str]]:
        """unit_choices() narrowed to the units over which the user holds one of `roles`."""
        return self.unit_choices_below(*(p for role in roles for p in self.role_paths.get(role, ())))

    def unit_choices_below(self, *paths: str) -> list[tuple[int, str]]:
        """unit_choices() narrowed to the units at or below one of `paths`."""
        rows = zip(self.unit_choices(), self.units, strict=True)
        return [choice for choice, (_pk, path, _zh, _en) in rows if paths and path.startswith(paths)]

    def subtree_ids(self, pk: int) -> list[int]:
        """Ids of the units in scope at or below unit `pk`; empty when `pk` is not in scope."""
        path = self.path_of(pk)
        return [upk for upk, p, _zh, _en in self.units if p.startswith(path)] if path else []

    def top_ids(self) -> list[int]:
        """The units in scope whose parent is not: where the user's roles are held, in tree order."""
        paths = {path for _pk, path, _zh, _en in self.units}
        return [pk for pk, path, _zh, _en in self.units if path[: -len(f"{pk:06d}/")] not in paths]

    def child_ids(self, pk: int) -> list[int]:
        """The units in scope directly below unit `pk`, in tree order."""
        path = self.path_of(pk)
        depth = path.count("/") + 1 if path else -1
        return [upk for upk, p, _zh, _en in self.units if p.startswith(path or "/") and p.count("/") == depth]

    def roll_up(self, per_unit: Mapping[int, Mapping[str, int]]) -> dict[int, Counter]:
        """Each unit in scope with its own counts plus those of every unit below it (units x depth steps)."""
        totals = {pk: Counter() for pk, _path, _zh, _en in self.units}
        for pk, path, _zh, _en in self.units:
            counts = per_unit.get(pk)
            if counts:
                for part in path.split("/"):
                    if part and int(part) in totals:
                        totals[int(part)].update(counts)
        return totals

    def path_of(self, pk: int) -> str | None:
        """The path of a unit in scope, or None: a unit outside the scope is never found."""
        return next((path for upk, path, _zh, _en in self.units if upk == pk), None)


EMPTY_SCOPE = Scope()


def scope_for(user) -> Scope:
    """The user's scope, computed once per data version and process (see hardship.versioned).

    Every change to a unit or a membership bumps the version, so a revoked role
    takes effect on the next request in every process.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    return remember(("scope", user.pk), lambda: _compute_scope(user))


@receiver([post_save, post_delete], sender=Membership)
@receiver([post_save, post_delete], sender=Unit)
def _unit_or_role_changed(**kwargs) -> None:
    bump()


def _compute_scope(user) -> Scope:
    # Only roles the code knows grant a scope: a row left behind by a removed role reaches nothing.
    memberships = Membership.objects.filter(user=user, unit__is_active=True, role__in=Role.values)
    held = list(memberships.values_list("role", "unit__path"))
    if not held:
        return EMPTY_SCOPE
    role_paths: dict[str, tuple[str, ...]] = {}
    for role, path in held:
        role_paths[role] = (*role_paths.get(role, ()), path)
    subtree = Q()
    for path in {path for _role, path in held}:
        subtree |= Q(path__startswith=path)
    rows = list(Unit.objects.filter(subtree).values_list("pk", "path", "is_active", "name_zh", "name_en"))
    # A unit below an inactive unit is out of reach too: fail closed.
    dead = [path for _pk, path, active, _zh, _en in rows if not active]
    units = tuple((pk, path, zh, en) for pk, path, _a, zh, en in rows if not any(path.startswith(d) for d in dead))
    return Scope(unit_ids=frozenset(u[0] for u in units), role_paths=role_paths, units=units)


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to a unit reached through `scope_field`.

    Every scoped lookup of one object ends in `get()` (`get_object_or_404` calls it): when
    the object exists but lies outside the user's scope, the refusal goes to the access log
    (the object's type, id and unit, never its data) and the caller gets the same
    DoesNotExist, hence the same 404, as for an object that does not exist.
    """

    scope_field = "unit"
    _scoped_for = None

    def visible_to(self, user):
        qs = self.filter(**{f"{self.scope_field}__in": scope_for(user).unit_ids})
        qs._scoped_for = user
        return qs

    def _clone(self):
        clone = super()._clone()
        clone._scoped_for = self._scoped_for
        return clone

    def get(self, *args, **kwargs):
        try:
            return super().get(*args, **kwargs)
        except self.model.DoesNotExist:
            if self._scoped_for is not None:
                self._log_refusal(args, kwargs)
            raise

    def _log_refusal(self, args, kwargs) -> None:
        from audit.access import Action, record_access

        label = self.model._meta.label_lower
        household, _unit = trace_columns(self.model)
        columns = ("pk", self.scope_field, household) if household else ("pk", self.scope_field)
        try:
            rows = list(self.model._base_manager.filter(*args, **kwargs).values_list(*columns)[:2])
        except FieldError:  # a lookup on an annotation: nothing to compare with
            return
        if len(rows) != 1 or rows[0][1] in scope_for(self._scoped_for).unit_ids:
            return  # it does not exist, or it is in scope and excluded for another reason
        pk, unit_id, file_id = (*rows[0], None)[:3]
        record_access(
            self._scoped_for,
            None,
            Action.DENIED,
            unit_id,
            object_type=label,
            object_id=pk,
            file_id=file_id,
        )


def trace_columns(model) -> tuple[str | None, str | None]:
    """The paths from a row of `model` to its household and to its unit, None where it has none.

    The unit is the scoped queryset's own `scope_field` (`visit__file__unit` for a visit photo), a plain
    `unit` field (a fund, a report), or else the household's unit (a transfer).
    """
    household = "pk" if model._meta.label_lower == "cases.hardshipfile" else household_field(model)
    unit = getattr(model._default_manager.all(), "scope_field", None)
    if unit is None and any(field.name == "unit" for field in model._meta.get_fields()):
        unit = "unit"
    if unit is None and household is not None:  # not scoped itself (a transfer): its household's unit
        unit = f"{household}__unit"
    return household, unit


def household_field(model) -> str | None:
    """The path from a row to its household file (`file`, `visit__file`, ...), if it has one."""
    return next(
        (link for link in ("file", "visit__file", "request__file", "entry__file") if _leads_to_file(model, link)), None
    )


def _leads_to_file(model, path: str) -> bool:
    for name in path.split("__"):
        try:
            model = model._meta.get_field(name).related_model
        except FieldDoesNotExist:
            return False
        if model is None:
            return False
    return model._meta.label_lower == "cases.hardshipfile"


def units_visible_to(user) -> models.QuerySet:
    return Unit.objects.filter(pk__in=scope_for(user).unit_ids)


def units_where(user, *roles: Role) -> list[Unit]:
    """Units in scope over which the user holds one of `roles`."""
    scope = scope_for(user)
    return [unit for unit in units_visible_to(user) if scope.roles_at(unit) & set(roles)]
