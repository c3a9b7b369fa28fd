"""The API's error answers, declared once so the OpenAPI schema lists every status an endpoint can give."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    """Every error answer of the API: a one-line ``detail``, or (FastAPI's own request validation, 422) the
    list of what was wrong with which field."""

    detail: str | list[dict[str, Any]]


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    why = {400: "malformed multipart body", 404: "unknown model",
           413: "upload over the byte, pixel or duration limit", 415: "not an image (or not a readable video)",
           422: "parameters out of range, or a reference the model cannot use",
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
