"""Field-level privacy: who sees a household's sensitive values in full, and the masks for everyone else.

One policy for every surface (pages, lists, exports, notices, PDFs, the API): a sensitive field is
shown in full to a user only when they hold, over the household's unit, one of the roles the
policy names for that field; everyone else gets the mask. `settings.PRIVACY_FULL_VIEW` may
narrow or widen the roles per field.

    from org.privacy import Field, can_see, shown
    shown(request.user, Field.ID_NUMBER, hfile.unit, hfile.id_number)
"""

from django.conf import settings

from .models import Role, Unit
from .scoping import scope_for


class Field:
    """The sensitive fields of a household (worker and members alike)."""

    ID_NUMBER = "id_number"
    PHONE = "phone"
    HEALTH = "health"  # illnesses and disabilities, findings that describe them
    INCOME = "income"  # incomes, costs and per-capita figures

    ALL = (ID_NUMBER, PHONE, HEALTH, INCOME)


# Who needs each value in full: cadres visit and file, chairs verify and approve;
# federation staff approve aid at their level and need the money figures, not the identity.
DEFAULT_FULL_VIEW: dict[str, frozenset[str]] = {
    Field.ID_NUMBER: frozenset({Role.CADRE, Role.BRANCH_CHAIR}),
    Field.PHONE: frozenset({Role.CADRE, Role.BRANCH_CHAIR}),
    Field.HEALTH: frozenset({Role.CADRE, Role.BRANCH_CHAIR}),
    Field.INCOME: frozenset({Role.CADRE, Role.BRANCH_CHAIR, Role.FEDERATION_STAFF}),
}

MASKED_TEXT = "***"


def full_view_roles(field: str) -> frozenset[str]:
    overrides = getattr(settings, "PRIVACY_FULL_VIEW", {}) or {}
    if field in overrides:
        return frozenset(overrides[field])
    return DEFAULT_FULL_VIEW.get(field, frozenset())


def can_see(user, field: str, unit: Unit | int | None) -> bool:
    """True when `user` may read `field` of a household in `unit` (a unit or its pk) in full. Fails closed."""
    if unit is None:
        return False
    if isinstance(unit, int):
        return unit in full_view_unit_ids(user, field)
    return bool(scope_for(user).roles_at(unit) & full_view_roles(field))


def full_view_unit_ids(user, field: str) -> frozenset[int]:
    """The units in the user's scope where `field` is shown in full: for lists, without a query per row."""
    scope = scope_for(user)
    paths = tuple(path for role in full_view_roles(field) for path in scope.role_paths.get(role, ()))
    if not paths:
        return frozenset()
    return frozenset(pk for pk, path, _zh, _en in scope.units if path.startswith(paths))


def fields_in_full(user, unit: Unit) -> list[str]:
    """The sensitive fields `user` sees in full over `unit`, for a printed copy made for them."""
    return [field for field in Field.ALL if can_see(user, field, unit)]


def mask_id(number: str) -> str:
    """The region code and the last four characters: the birth date never shows."""
    number = number or ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, a single character stays as it is."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678: enough to recognise, not to call."""
    phone = (phone or "").strip()
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask(field: str, value):
    """The masked form of `value` for `field` (empty stays empty)."""
    if value in (None, ""):
        return value
    if field == Field.ID_NUMBER:
        return mask_id(str(value))
    if field == Field.PHONE:
        return mask_phone(str(value))
    return MASKED_TEXT


def shown(user, field: str, unit: Unit, value):
    """`value` in full when the user may see it, its mask otherwise."""
    return value if can_see(user, field, unit) else mask(field, value)
