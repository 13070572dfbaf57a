#!/usr/bin/env bash
# Prints export lines for the services that answer: PostgreSQL and Redis on loopback.
#   eval "$(scripts/services.sh)"
# With REQUIRE_SERVICES=1 (CI) a missing service is an error, never a silent skip.
set -u
PY=${PY:-.venv/bin/python}
# Several checkouts on one machine keep apart with their own database and Redis db number.
DB_NAME=${HARDSHIP_DB_NAME:-hardship}
REDIS_DB=${HARDSHIP_REDIS_DB:-14}
export DB_NAME
pg_up() { "$PY" - <<'PY'
import os
import sys
import psycopg2
try:
    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3)
    conn.autocommit = True
    with conn.cursor() as cur:
        name = os.environ["DB_NAME"]
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
except Exception:
    sys.exit(1)
PY
}
redis_up() { "$PY" - <<'PY'
import sys
import redis
try:
    redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=3).ping()
except Exception:
    sys.exit(1)
PY
}
status=0
if pg_up; then
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB_NAME"
  echo ">> PostgreSQL answers at 127.0.0.1:5432: tests run on PostgreSQL." >&2
else
  echo "unset DATABASE_URL"
  echo "!! ============================================================================" >&2
  echo "!! PostgreSQL does not answer at 127.0.0.1:5432: running on SQLite and SKIPPING" >&2
  echo "!! the tests marked 'postgres' (row locks, concurrent transactions)." >&2
  echo "!! ============================================================================" >&2
  status=1
fi
if redis_up; then
  echo "export REDIS_URL=redis://127.0.0.1:6379/$REDIS_DB"
  echo ">> Redis answers at 127.0.0.1:6379: Celery tests use a real broker and worker." >&2
else
  echo "unset REDIS_URL"
  echo "!! ============================================================================" >&2
  echo "!! Redis does not answer at 127.0.0.1:6379: SKIPPING the tests marked 'redis'" >&2
  echo "!! (real broker, real Celery worker)." >&2
  echo "!! ============================================================================" >&2
  status=1
fi
if [ "${REQUIRE_SERVICES:-0}" = "1" ] && [ $status -ne 0 ]; then
  echo "exit 1"
fi
exit 0
