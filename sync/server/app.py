"""Assemble the FastAPI application from its parts; nothing global."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from sync.protocol import API_PREFIX, PROTOCOL_VERSION
from sync.server import console, errors, openapi
from sync.server.config import ServerConfig
from sync.server.db import Database
from sync.server.json_guard import JsonDepthGuard
from sync.server.middleware import ProtocolAndBody
from sync.server.publisher import ProgressPublisher
from sync.server.routes import auth, blobs, bundles, releases, reviews, sync, tasks
from sync.server.sweeper import UploadSweeper
from sync.server.words_index import WordsIndexer

# Responses under this size are not worth compressing (the gzip header alone is ~20 B).
GZIP_MIN_BYTES = 500


def create_app(config: ServerConfig, db: Database) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs = [ProgressPublisher(db), WordsIndexer(db), UploadSweeper(db, config.upload_ttl)]
        for job in jobs:
            job.start()
        yield
        for job in reversed(jobs):
            job.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="dxdesk central tracking server",
        version=str(PROTOCOL_VERSION),
        description=f"Wire protocol v{PROTOCOL_VERSION} between dxdesk devices and the "
        "central server (the previous version is served too). "
        "See docs/protocol.md.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        # The interactive pages are HTML; this server answers JSON only.
        docs_url=None,
        redoc_url=None,
        # "/api/v1/ping/" is a JSON 404, not an empty redirect a client would take
        # for a captive portal.
        redirect_slashes=False,
    )
    app.state.config = config
    app.state.db = db
    app.state.round_slots = asyncio.Semaphore(config.concurrent_rounds)
    app.state.password_slots = asyncio.Semaphore(config.concurrent_password_checks)
    errors.install(app)
    openapi.install(app)
    for router in (
        auth.router,
        sync.router,
        blobs.router,
        bundles.router,
        reviews.router,
        tasks.router,
        releases.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    # The reviewers' web console: its own pages, errors and security headers.
    console_app = console.create(config, db)
    app.mount(console.PREFIX, console_app)
    # Added last = outermost: gzip wraps everything, including early 413/426 answers;
    # the depth guard reads the body that ProtocolAndBody has capped and gunzipped.
    app.add_middleware(JsonDepthGuard)
    # Its refusals under /console are the console's pages; the API's stay JSON.
    pages = (f"{console.PREFIX}/", console.refusal(console_app))
    app.add_middleware(ProtocolAndBody, config=config, db=db, pages=pages)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)
    return app
