"""PostgreSQL indexes for the console's filters, made once when `relgate serve` starts.

The filters compare fields inside the stored JSON record; without an index a rare
value makes PostgreSQL parse every record. Each index is on the exact expression
the query uses, paired with the store's position so "newest first" reads the index
backwards. They are built CONCURRENTLY (appends are not blocked) and IF NOT EXISTS
(any worker may try); without the right to create them the console still works,
only slower, and the log says so.
"""

from __future__ import annotations

import logging

from relgate.config import Config
from relgate.redact import scrub
from relgate.serve.records import PATHS, pg_field, pg_time

log = logging.getLogger("relgate.serve")
_PAIRED = ("service", "environment", "verdict", "actor")


def statements() -> list[str]:
    made = [f"CREATE INDEX CONCURRENTLY IF NOT EXISTS relgate_console_{name} ON relgate_records "
            f"(({pg_field(name)}), position)" for name in _PAIRED if name in PATHS]
    made.append("CREATE INDEX CONCURRENTLY IF NOT EXISTS relgate_console_commit ON relgate_records "
                f"(({pg_field('commit')}) text_pattern_ops)")
    made.append(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS relgate_console_time ON relgate_records (({pg_time()}))")
    return made


def prepare(config: Config) -> None:
    """Create the indexes if the store is PostgreSQL and its table exists; never fatal."""
    url = config.store_url
    if not url.startswith(("postgresql://", "postgres://")):
        return
    try:
        import psycopg

        with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
            found = connection.execute("SELECT to_regclass('relgate_records')").fetchone()
            if found is None or found[0] is None:
                return
            connection.execute("SELECT pg_advisory_lock(hashtextextended('relgate-console-indexes', 0))")
            try:
                for statement in statements():
                    connection.execute(statement)
            finally:
                connection.execute("SELECT pg_advisory_unlock(hashtextextended('relgate-console-indexes', 0))")
    except Exception as exc:  # the console works without them, only slower
        log.warning("console indexes not created (filters will scan the store): %s", scrub(str(exc))[:300])
