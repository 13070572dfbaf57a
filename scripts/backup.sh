#!/usr/bin/env bash
# make backup: the database as a pg_dump custom-format archive and the uploaded files as a tarball beside it.
#   DATABASE_URL  the PostgreSQL database to back up (postgres://USER:PASSWORD@HOST:PORT/NAME)
#   MEDIA_ROOT    the uploaded files (default: media/)
#   BACKUP_DIR    where the two files go (default: backups/)
# Prints the backup's name (BACKUP for make restore): BACKUP_DIR/hardship-<UTC time>.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}"
media=${MEDIA_ROOT:-media}
dir=${BACKUP_DIR:-backups}
base="$dir/hardship-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dir" "$media"
# One consistent snapshot of the database, compressed; owners and grants left to the restoring side.
pg_dump --format=custom --no-owner --no-privileges --file "$base.dump.partial" "$DATABASE_URL"
tar -czf "$base.media.tar.gz.partial" -C "$media" .
mv "$base.dump.partial" "$base.dump"
mv "$base.media.tar.gz.partial" "$base.media.tar.gz"
echo "$base"
