"""The import sheet's columns: one row per person, the worker's row carrying the household's facts.

Headers are accepted in either language (and as the column keys); the template is written in the
user's language. Choice values (relation, health, ...) are accepted as codes or as labels in either
language; tiers, causes and units by code or name.
"""

from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases.models import EmploymentStatus, Health, Relation, Schooling


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    example: str = ""


COLUMNS = (
    Column("unit", _("Unit"), "铸造小组"),
    Column("household", _("Household (worker's ID number)")),
    Column("relation", _("Relation to the worker"), "本人"),
    Column("name", _("Name"), "张三"),
    Column("id_number", _("ID number")),
    Column("age", _("Age")),
    Column("phone", _("Phone")),
    Column("address", _("Address")),
    Column("employer", _("Employer")),
    Column("employment_status", _("Employment status")),
    Column("union_member", _("Union member")),
    Column("health", _("Health")),
    Column("schooling", _("Schooling")),
    Column("job", _("Job")),
    Column("monthly_income", _("Monthly income")),
    Column("other_income", _("Other monthly household income")),
    Column("tier", _("Tier")),
    Column("causes", _("Causes of difficulty")),
    Column("primary_cause", _("Primary cause")),
)
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = ("unit", "relation", "name", "id_number")
# The relation that marks the worker's own row (the household's row).
WORKER = "worker"
WORKER_LABEL = _("Worker")
# Several causes in one cell: separated by any of these.
LIST_SEPARATORS = (",", "，", ";", "；", "、", "|")
LANGUAGES = ("en", "zh-hans")


def _norm(text) -> str:
    return " ".join(str(text or "").split()).casefold()


# Headers unions' own sheets commonly use, beside the template's.
ALIASES = {
    "身份证号": "id_number",
    "身份证": "id_number",
    "关系": "relation",
    "所在单位": "unit",
    "户主身份证号": "household",
}


def header_index() -> dict[str, str]:
    """Every accepted header (both languages, the keys and the aliases), normalised, to its column key."""
    index = {c.key: c.key for c in COLUMNS} | {_norm(alias): key for alias, key in ALIASES.items()}
    for language in LANGUAGES:
        with translation.override(language):
            index.update({_norm(c.label): c.key for c in COLUMNS})
    return index


def match_headers(cells: list) -> tuple[dict[int, str], list[str], list[str]]:
    """(position -> key, unknown headers, missing required labels) for a header row."""
    index = header_index()
    found: dict[int, str] = {}
    unknown = []
    for pos, cell in enumerate(cells):
        if _norm(cell) == "":
            continue
        key = index.get(_norm(cell))
        if key is None or key in found.values():
            unknown.append(str(cell))
        else:
            found[pos] = key
    missing = [str(BY_KEY[k].label) for k in REQUIRED if k not in found.values()]
    return found, unknown, missing


def choice_index(choices) -> dict[str, str]:
    """A TextChoices' values and labels in both languages, normalised, to the value."""
    index = {_norm(value): value for value, _label in choices.choices}
    for language in LANGUAGES:
        with translation.override(language):
            index.update({_norm(label): value for value, label in choices.choices})
    return index


def relation_index() -> dict[str, str]:
    index = choice_index(Relation)
    index[WORKER] = WORKER
    for language in LANGUAGES:
        with translation.override(language):
            index[_norm(WORKER_LABEL)] = WORKER
    index[_norm("本人")] = WORKER
    return index


CHOICE_COLUMNS = {
    "employment_status": EmploymentStatus,
    "health": Health,
    "schooling": Schooling,
}


def normalised(text) -> str:
    return _norm(text)


def split_list(text: str) -> list[str]:
    for sep in LIST_SEPARATORS[1:]:
        text = text.replace(sep, LIST_SEPARATORS[0])
    return [part.strip() for part in text.split(LIST_SEPARATORS[0]) if part.strip()]


def template_help(user) -> tuple[list[str], list[list[str]]]:
    """The template's second sheet: what each column accepts, with this user's units, tiers and causes."""
    from cases.models import Cause, Tier
    from cases.selectors import config_items, unit_choices_for_create

    def labels(choices) -> str:
        return " / ".join(str(label) for _value, label in choices.choices)

    units = " / ".join(f"{label.strip()} ({pk})" for pk, label in unit_choices_for_create(user=user))
    accepted = {
        "unit": units,
        "household": _("On a member's row: the worker's ID number. Empty on the worker's row."),
        "relation": f"{WORKER_LABEL} / {labels(Relation)}",
        "id_number": _("18 characters, typed as text."),
        "age": _("For a member without an ID number."),
        "employment_status": labels(EmploymentStatus),
        "union_member": _("yes / no"),
        "health": labels(Health),
        "schooling": labels(Schooling),
        "monthly_income": _("Yuan per month: the worker's on the worker's row, a member's on theirs."),
        "other_income": _("Yuan per month, on the worker's row."),
        "tier": " / ".join(str(t) for t in config_items(Tier, active_only=True)),
        "causes": " / ".join(str(c) for c in config_items(Cause, active_only=True)),
        "primary_cause": _("One of the causes; empty for the first one listed."),
    }
    header = [str(_("Column")), str(_("Required")), str(_("Accepted values"))]
    rows = [[str(c.label), str(_("yes")) if c.key in REQUIRED else "", str(accepted.get(c.key, ""))] for c in COLUMNS]
    return header, rows
