"""POST /bundles: a USB bundle delivered by any signed-in user (a relay).

The caller's account only authorises the upload; the reports are judged as the
user and device that signed the bundle (see ``sync.server.bundles``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from sync.protocol import MAX_BUNDLE_BYTES, BundleOut, ErrorOut
from sync.protocol.bundle_format import BundleRefusedError
from sync.server import bundles
from sync.server.errors import ApiError
from sync.server.routes.deps import ConfigDep, DbDep, PrincipalDep, write

router = APIRouter()

# A different bundle under a known id is a conflict; everything else is a bad file.
_CONFLICTS = ("bundle_id_reused",)


@router.post(
    "/bundles",
    response_model=BundleOut,
    tags=["bundles"],
    responses={
        401: {"model": ErrorOut},
        409: {"model": ErrorOut, "description": "bundle_id_reused"},
        413: {"model": ErrorOut, "description": "bundle_too_large"},
        422: {"model": ErrorOut, "description": "the bundle is refused; code says why"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {
                    "schema": {"type": "string", "format": "binary", "maxLength": MAX_BUNDLE_BYTES}
                }
            },
        }
    },
)
async def deliver_bundle(
    request: Request, caller: PrincipalDep, db: DbDep, cfg: ConfigDep
) -> BundleOut:
    """Import a bundle file (the raw bytes) and answer with its signed receipt.
    Delivering the same file again stores nothing and returns the same receipt."""
    data = await request.body()  # already capped by the middleware
    try:
        delivery = await run_in_threadpool(
            write,
            db,
            lambda s: bundles.deliver(
                s,
                data,
                server_key=cfg.server_key,
                signing_key=cfg.signing_key,
                delivered_by=caller.username,
            ),
        )
    except BundleRefusedError as exc:
        refusal = exc
        await run_in_threadpool(
            write, db, lambda s: bundles.record_refusal(s, caller.username, refusal, data)
        )
        status = 409 if exc.code in _CONFLICTS else 422
        raise ApiError(status, exc.code, exc.render("en")) from exc
    return BundleOut(
        bundle_id=delivery.bundle_id,
        device_id=delivery.device_id,
        replayed=delivery.replayed,
        accepted=delivery.count("accepted"),
        duplicate=delivery.count("duplicate"),
        incomplete=delivery.count("incomplete"),
        rejected=delivery.count("rejected"),
        receipt=delivery.receipt.decode("utf-8"),
    )
