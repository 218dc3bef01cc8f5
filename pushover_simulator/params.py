"""Request parsing: one dict of parameters from the query, form, multipart or JSON body.

Pushover reads the token from the query string and from any body, whatever the
method (pushover_complete sends GET parameters as a form body). Repeated keys are
joined with commas; a multipart `attachment` part is kept aside as bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, web
from multidict import MultiDict

from .responses import JSON_CT, field_error

_INT_RE = re.compile(r"^-?\d+$")


def _to_str(value: Any) -> str | None:
    """Return a JSON value as the form string Pushover would receive."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return ",".join(s for s in (_to_str(v) for v in value) if s is not None)
    return str(value)


def _join(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Fold repeated keys into one comma-joined value."""
    multi: MultiDict[str] = MultiDict(pairs)
    return {key: ",".join(multi.getall(key)) for key in dict.fromkeys(multi.keys())}


async def _multipart(request: web.Request, extra: dict[str, Any]) -> dict[str, str]:
    """Read a multipart body: fields returned, the attachment part put in `extra`."""
    reader = await request.multipart()
    pairs: list[tuple[str, str]] = []
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        name = part.name or ""
        if name == "attachment" or part.filename is not None:
            extra["_attachment"] = bytes(await part.read())
            extra["_filename"] = part.filename
            extra["_content_type"] = part.headers.get("Content-Type")
        else:
            pairs.append((name, await part.text()))
    return _join(pairs)


async def _plain_body(request: web.Request) -> dict[str, str]:
    """Read a JSON or form-encoded body (any method); {} when there is none."""
    if not request.can_read_body:
        return {}
    raw = await request.read()
    charset = request.charset or "utf-8"
    if request.content_type == JSON_CT:
        decoded = json.loads(raw.decode(charset)) if raw.strip() else {}
        if not isinstance(decoded, dict):
            raise ValueError("JSON body must be an object")
        return {k: s for k, v in decoded.items() if (s := _to_str(v)) is not None}
    if raw:
        return _join(parse_qsl(raw.decode(charset), keep_blank_values=True))
    return {}


async def parse_params(request: web.Request) -> dict[str, Any]:
    """Merge query-string and body parameters (form, multipart or JSON, any method).

    Returns the parameters plus `_attachment` (bytes | None), `_filename` and
    `_content_type` for a multipart `attachment` part. Raises ValueError for a
    body that cannot be read.
    """
    params: dict[str, Any] = _join(list(request.query.items()))
    extra: dict[str, Any] = {
        "_attachment": None,
        "_filename": None,
        "_content_type": None,
    }
    if request.content_type.startswith("multipart/"):
        params.update(await _multipart(request, extra))
    else:
        params.update(await _plain_body(request))
    return {**params, **extra}


def int_param(params: dict[str, str], name: str) -> int | None:
    """Return an optional integer parameter (None when blank or absent)."""
    value = params.get(name, "").strip()
    if not value:
        return None
    if not _INT_RE.match(value):
        raise field_error(name, "is invalid", f"{name} is invalid")
    return int(value)
