#!/usr/bin/env bash
# make restore BACKUP=backups/hardship-<UTC time>: the database and the uploaded files of a `make backup`.
#   TARGET_DATABASE_URL  the database to restore into (default: DATABASE_URL); it must exist. Tables already
#                        there are dropped and made again from the backup.
#   MEDIA_ROOT           where the uploaded files go (default: media/); files of the backup overwrite theirs.
set -euo pipefail
backup=${1:-${BACKUP:-}}
: "${backup:?name the backup: make restore BACKUP=backups/hardship-<UTC time>}"
target=${TARGET_DATABASE_URL:-${DATABASE_URL:?set TARGET_DATABASE_URL or DATABASE_URL to the database to restore into}}
media=${MEDIA_ROOT:-media}
test -f "$backup.dump" || { echo "no $backup.dump" >&2; exit 1; }
test -f "$backup.media.tar.gz" || { echo "no $backup.media.tar.gz" >&2; exit 1; }
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname "$target" "$backup.dump"
mkdir -p "$media"
tar -xzf "$backup.media.tar.gz" -C "$media"
echo "restored $backup"
