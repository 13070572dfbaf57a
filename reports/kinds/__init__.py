"""The kinds of report: what each needs, who may ask for it, and how its document is built.

A kind is registered once (`register`) with its form (which validates the
parameters and names the unit whose data the report holds), the roles that may
ask for it at that unit, its template under templates/pdf/, the function that
builds the template's context from the database, and the function that
fingerprints the data it reads. A new printable document (a condolence batch's
sign-off sheet, say) is one more module here registering a kind, a template
under templates/pdf/ and a print button
(`{% include "reports/includes/print_button.html" with kind=... pk=... %}`) on
its page; the request, task, status page, download, scoping and reuse then work
for it unchanged.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.utils.functional import Promise

from org.models import Role, Unit

# context(report, progress) -> template context; fingerprint(report) -> values that change with the data.
Builder = Callable[..., dict]
Fingerprinter = Callable[..., list]


@dataclass(frozen=True)
class ReportKind:
    code: str
    label: Promise
    form: type[forms.Form]
    roles: frozenset[str]
    template: str
    build: Builder
    fingerprint: Fingerprinter
    title: Callable[[Unit, dict], str]


class DataGone(Exception):
    """What the report is about is gone or has moved out of the report's unit: it fails with this message."""


KINDS: dict[str, ReportKind] = {}
ALL_ROLES = frozenset({Role.CADRE, Role.BRANCH_CHAIR, Role.FEDERATION_STAFF})


def register(kind: ReportKind) -> ReportKind:
    KINDS[kind.code] = kind
    return kind


def kind_for(code: str) -> ReportKind | None:
    return KINDS.get(code)


from . import annual, condolence_sheet, documents, public_notice  # noqa: E402, F401 - the kinds of this app register themselves
