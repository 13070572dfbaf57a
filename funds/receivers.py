"""The funds app follows a household that moves to another unit, is merged or is anonymised (signals sent by cases)."""

from django.dispatch import receiver

from cases.signals import file_move_blockers, file_moved, files_anonymised, files_merged

from .services.follow import aid_follow_household, aid_follow_merge, aid_move_blockers
from .services.retention import aid_anonymise


@receiver(file_move_blockers)
def _aid_blocks_move(sender, hfile, to_unit, **kwargs) -> list[str]:
    return aid_move_blockers(hfile=hfile, to_unit=to_unit)


@receiver(file_moved)
def _aid_follows_household(sender, hfile, from_unit, by, **kwargs) -> None:
    aid_follow_household(hfile=hfile, by=by)


@receiver(files_merged)
def _aid_follows_merge(sender, survivor, merged, members, by, **kwargs) -> None:
    aid_follow_merge(survivor=survivor, merged=merged, members=members, by=by)


@receiver(files_anonymised)
def _aid_anonymised(sender, file_ids: list[int], **kwargs) -> None:
    aid_anonymise(file_ids=file_ids)
