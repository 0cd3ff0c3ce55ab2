"""The embedded PostgreSQL (pgserver) used in development when DATABASE_URL is unset."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pgserver

log = logging.getLogger(__name__)

DEFAULT_DBNAME = "postgres"


def start_embedded(
    pgdata: Path, *, dbname: str = DEFAULT_DBNAME
) -> tuple[pgserver.PostgresServer, str]:
    """Start the server on `pgdata`, or attach to the one already running there.

    Returns the handle (call `.cleanup()` to let go of it: the server stops when its last
    handle, in any process, is released) and a unix-socket URL for `dbname`.
    """
    # Imported here so production (the HTTP server's workers) never loads it. Its import asks
    # platformdirs for XDG_RUNTIME_DIR, which is often unset (root, CI) and harmless.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import pgserver

    pgdata = pgdata.expanduser().resolve()
    # pgserver creates the data dir itself but insists that its parent exists.
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    log.info("embedded PostgreSQL data directory: %s", pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    return server, server.get_uri(dbname)
