"""Signals through which the apps that depend on cases (visits, funds) follow a household's records.

`cases` never imports those apps; they connect receivers here. Every signal is sent
inside the transaction of the change, so what a receiver writes commits or rolls
back with it, and a receiver may raise ValidationError to refuse the change.
"""

from django.dispatch import Signal

# Asked before a household moves to `to_unit` (a transfer or a merge into a file of another unit).
# Receivers return a list of messages, each a reason the move cannot happen now.
file_move_blockers = Signal()  # hfile, to_unit

# Sent after `hfile.unit` changed from `from_unit`: receivers update every column that copies the unit.
file_moved = Signal()  # hfile, from_unit, by

# Sent when `merged` is merged into `survivor`, before `merged` is closed: receivers move the household's
# records to the survivor. `members` maps each member of `merged` dropped as a duplicate (same ID) to the
# survivor's member it duplicates (None: the survivor's worker).
files_merged = Signal()  # survivor, merged, members, by

# Sent by retention inside the transaction that anonymised the closed files `file_ids`: receivers remove what
# names or describes those households in their own records (and history rows), keeping the figures.
files_anonymised = Signal()  # file_ids
