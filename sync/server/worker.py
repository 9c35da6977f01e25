"""One worker process of ``dxdesk-server serve --workers N``.

uvicorn starts each worker as a fresh process and builds its app from an import
string, so the command line hands its choices over in the environment variables
the server already reads (database URL, key file, token lifetime). The parent
has created the keys and migrated the database before any worker starts.

Several workers put a many-core server's cores to work: one Python process runs
its Python code on one core at a time. All state is in the database, so any
worker can answer any request.
"""

from __future__ import annotations

from fastapi import FastAPI

from sync.server import keys
from sync.server.app import create_app
from sync.server.config import (
    ServerConfig,
    body_timeout,
    database_url,
    key_file,
    token_ttl,
    upload_quota,
    upload_ttl,
)
from sync.server.db import open_database


def app() -> FastAPI:
    url = database_url(None)
    sealing = key_file(None, url)
    config = ServerConfig(
        database_url=url,
        server_key=keys.load(sealing),
        signing_key=keys.load_signing(keys.signing_key_path(sealing)),
        token_ttl=token_ttl(None),
        upload_quota=upload_quota(None),
        upload_ttl=upload_ttl(None),
        body_timeout_s=body_timeout(None),
    )
    return create_app(config, open_database(url))
