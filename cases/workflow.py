"""The hardship file lifecycle: statuses, the transitions map, and who may take each step."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Role


class FileStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    INVESTIGATED = "investigated", _("Investigated")
    FILED = "filed", _("Filed")
    RELIEVED = "relieved", _("Relieved")
    HANDED_OVER = "handed_over", _("Handed to government support")
    CLOSED = "closed", _("Closed")


class FileAction(models.TextChoices):
    SUBMIT = "submit", _("Submit for verification")
    RETURN = "return", _("Return for correction")
    INVESTIGATE = "investigate", _("Record household investigation")
    FILE = "file", _("File the card")
    RELIEVE = "relieve", _("Mark relieved")
    CLOSE = "close", _("Close the file")
    REOPEN = "reopen", _("Reopen")
    HAND_OVER = "hand_over", _("Hand to government support")
    RELAPSE = "relapse", _("Reopen after a relapse")


class FileRecord(models.TextChoices):
    """Steps recorded in a file's events that leave its status as it is."""

    NOTICE = "notice", _("Put on public notice")
    OBJECTION = "objection", _("Objection recorded")
    OBJECTION_DECIDED = "objection_decided", _("Objection decided")
    REVIEW = "review", _("Annual review")
    RELIEF_PROPOSED = "relief_proposed", _("Relief proposed")
    RELIEF_REJECTED = "relief_rejected", _("Relief proposal rejected")
    CONVERT = "convert", _("Converted to a formal file")
    TRANSFER_REQUEST = "transfer_request", _("Transfer requested")
    TRANSFER_ACCEPT = "transfer_accept", _("Transfer accepted")
    TRANSFER_REFUSE = "transfer_refuse", _("Transfer refused")
    TRANSFER_CANCEL = "transfer_cancel", _("Transfer withdrawn")
    MERGE_IN = "merge_in", _("Duplicate file merged in")
    MERGED_AWAY = "merged_away", _("Merged into another file")


class CloseReason(models.TextChoices):
    INELIGIBLE = "ineligible", _("No longer eligible")
    DECEASED = "deceased", _("Deceased")
    LEFT_UNION = "left_union", _("Left the union")
    DUPLICATE = "duplicate", _("Duplicate file")


class HandoverReason(models.TextChoices):
    """Why the union cannot relieve the household itself."""

    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
    DISABILITY = "disability", _("Disability")
    OTHER = "other", _("Other reason beyond the union's help")


class FileKind(models.TextChoices):
    FORMAL = "formal", _("Formal file")
    # For temporary relief of a household just above the line: never filed, counted apart.
    TEMPORARY = "temporary", _("Temporary file")


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    comment_required: bool = False


CADRE_ROLES = frozenset({Role.CADRE, Role.BRANCH_CHAIR})
CHAIR_ROLES = frozenset({Role.BRANCH_CHAIR})
S = FileStatus

TRANSITIONS: dict[str, Transition] = {
    FileAction.SUBMIT: Transition(frozenset({S.DRAFT}), S.SUBMITTED, CADRE_ROLES),
    FileAction.RETURN: Transition(frozenset({S.SUBMITTED, S.INVESTIGATED}), S.DRAFT, CHAIR_ROLES, True),
    FileAction.INVESTIGATE: Transition(frozenset({S.SUBMITTED}), S.INVESTIGATED, CHAIR_ROLES),
    FileAction.FILE: Transition(frozenset({S.INVESTIGATED}), S.FILED, CHAIR_ROLES),
    FileAction.RELIEVE: Transition(frozenset({S.FILED}), S.RELIEVED, CHAIR_ROLES),
    FileAction.CLOSE: Transition(
        frozenset({S.DRAFT, S.SUBMITTED, S.INVESTIGATED, S.FILED, S.RELIEVED, S.HANDED_OVER}), S.CLOSED, CHAIR_ROLES
    ),
    FileAction.REOPEN: Transition(frozenset({S.RELIEVED, S.CLOSED, S.HANDED_OVER}), S.DRAFT, CHAIR_ROLES, True),
    FileAction.HAND_OVER: Transition(frozenset({S.FILED, S.RELIEVED}), S.HANDED_OVER, CHAIR_ROLES, True),
    # The household fell back (返困): the same file goes through identification again, and counts as a relapse.
    FileAction.RELAPSE: Transition(frozenset({S.RELIEVED, S.CLOSED, S.HANDED_OVER}), S.DRAFT, CADRE_ROLES, True),
}
# Steps with a page of their own rather than the generic step form (relief goes through a proposal).
OWN_PAGE_ACTIONS = frozenset({FileAction.RELIEVE})

# Cadres keep the card up to date while the household is on file; relieved and
# closed files are read-only until reopened.
EDITABLE_STATUSES = frozenset({S.DRAFT, S.SUBMITTED, S.INVESTIGATED, S.FILED})
EDIT_ROLES = CADRE_ROLES
CREATE_ROLES = CADRE_ROLES
PLAN_ROLES = CADRE_ROLES
# A file is "open" (one per resident ID in a federation) until it is closed.
OPEN_STATUSES = frozenset(set(S) - {S.CLOSED})
# Active files are the union's own caseload: not closed, not handed to government support.
INACTIVE_STATUSES = frozenset({S.CLOSED, S.HANDED_OVER})


def allowed_actions(status: str, roles: frozenset[str]) -> list[str]:
    """The actions a holder of `roles` may take on a file in `status`, in map order (own-page steps left out)."""
    return [a for a, t in TRANSITIONS.items() if status in t.sources and t.roles & roles and a not in OWN_PAGE_ACTIONS]


def can_edit(status: str, roles: frozenset[str]) -> bool:
    return status in EDITABLE_STATUSES and bool(EDIT_ROLES & roles)
