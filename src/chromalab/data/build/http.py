"""Small HTTP client for the builder: timeouts, retries with backoff, size cap, content-type check."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

RETRY_STATUS = {429, 500, 502, 503, 504}


class FetchError(Exception):
    """A download that failed for good (one line)."""


def fetch(url: str, timeout: float = 20.0, retries: int = 3, backoff: float = 0.5, max_bytes: int = 30 << 20,
          expect: str | None = "image/") -> bytes:
    """GET ``url``; retry on connection errors and 429/5xx with exponential backoff.

    Raises ``FetchError`` on a 4xx, a body over ``max_bytes``, or a content type not starting with ``expect``.
    """
    if urllib.parse.urlparse(url).scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http(s) URLs are fetched")
    last = ""
    for attempt in range(retries + 1):
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "chromalab-dataset/0.1"})
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                ctype = resp.headers.get("Content-Type", "")
                if expect and not ctype.startswith(expect):
                    raise FetchError(f"{url}: content type {ctype or 'missing'}, expected {expect}*")
                length = resp.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise FetchError(f"{url}: {int(length)} bytes, over the {max_bytes} byte cap")
                data = resp.read(max_bytes + 1)
                if len(data) > max_bytes:
                    raise FetchError(f"{url}: over the {max_bytes} byte cap")
                return data
        except urllib.error.HTTPError as e:
            if e.code not in RETRY_STATUS:
                raise FetchError(f"{url}: HTTP {e.code}") from None
            last = f"HTTP {e.code}"
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            last = str(getattr(e, "reason", e))
        if attempt < retries:
            time.sleep(backoff * 2**attempt)
    raise FetchError(f"{url}: failed after {retries + 1} tries ({last})")


def fetch_json(url: str, params: dict[str, Any], **kw) -> Any:
    full = url + ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
    try:
        return json.loads(fetch(full, expect=None, **kw))
    except json.JSONDecodeError:
        raise FetchError(f"{url}: answer is not JSON") from None
