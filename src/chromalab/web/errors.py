"""The API's error answers, declared once so the OpenAPI schema lists every status an endpoint can give.

Inputs the server cannot use are 4xx with a one-line ``detail``; anything unexpected is a JSON 500 whose
``detail`` names a request id (also in the ``X-Request-ID`` header), the traceback going to the server log
under that id (``UnexpectedErrors``): never a plain-text 500, never a stack trace to the client.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from pydantic import BaseModel

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """Every error answer of the API: a one-line ``detail``, or (FastAPI's own request validation, 422) the
    list of what was wrong with which field."""

    detail: str | list[dict[str, Any]]


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    why = {400: "malformed multipart body", 404: "unknown model",
           413: "upload over the byte, pixel or duration limit", 415: "not an image (or not a readable video)",
           422: "parameters out of range, or a reference the model cannot use",
           500: "unexpected server error (its request id is in the detail; the traceback in the server log)",
           501: "the server lacks the optional install this needs (the message names it)",
           503: "server busy (see the Retry-After header)"}
    out: dict[int | str, dict[str, Any]] = {c: {"model": ErrorBody, "description": why[c]} for c in codes}
    if 503 in out:
        out[503]["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
    return out


def reference_or_422(rgb: Any) -> Any:
    """A decoded reference photo made ready (``inference.reference.load_reference``); one the model cannot use
    (grey, too small) is the client's mistake: 422 with the one-line reason."""
    from fastapi import HTTPException

    from chromalab.core.imageio import ImageError
    from chromalab.inference.reference import load_reference

    try:
        return load_reference(rgb)
    except ImageError as e:
        raise HTTPException(422, str(e)) from None


class UnexpectedErrors:
    """ASGI middleware: an exception no handler answered becomes a JSON 500 naming a request id; the traceback
    is logged under that id. (Inside the CSP middleware, outside FastAPI's own 4xx handling.)"""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - every unexpected error: logged, answered in JSON
            from fastapi.responses import JSONResponse

            rid = uuid.uuid4().hex[:12]
            log.error("request %s: %s %s failed: %s", rid, scope.get("method"), scope.get("path"),
                      type(exc).__name__, exc_info=exc)
            if started:  # the answer is already on its way: nothing more can be said to the client
                return
            body = {"detail": f"internal error while handling this request (request id {rid}; the server log "
                              "has the details)"}
            await JSONResponse(body, status_code=500, headers={"X-Request-ID": rid})(scope, receive, send)
