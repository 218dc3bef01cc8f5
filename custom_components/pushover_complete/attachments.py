"""Attachments: a file, an image URL, a camera/image entity or a media item.

Each is checked before anything is sent: allowlisted (every redirect too),
a regular readable file, an image, at most 5 MB.
"""

from __future__ import annotations

from pathlib import Path
import stat
from typing import Final
from urllib.parse import urljoin, urlsplit

import aiohttp

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import MAX_ATTACHMENT, guess_content_type
from .exceptions import invalid
from .models import Attachment

URL_TIMEOUT: Final = aiohttp.ClientTimeout(total=20, connect=10)
MAX_REDIRECTS: Final = 3
CHUNK: Final = 64 * 1024
LOCAL_MEDIA_PREFIX: Final = "/media/"


def _check_image(data: bytes, content_type: str, source: str) -> None:
    if len(data) > MAX_ATTACHMENT:
        raise invalid("attachment_too_large", attachment=source)
    if not content_type.startswith("image/"):
        raise invalid("attachment_not_image", attachment=source)


async def async_resolve_attachment(
    hass: HomeAssistant,
    *,
    path: str | None = None,
    url: str | None = None,
    camera: str | None = None,
    media: str | None = None,
) -> Attachment | None:
    """Read and check the one attachment a call names; ``None`` without one."""
    given = [value for value in (path, url, camera, media) if value]
    if not given:
        return None
    if len(given) > 1:
        raise invalid("one_attachment")
    if path:
        return await _async_from_path(hass, path, allowlisted=True)
    if url:
        return await _async_from_url(hass, url)
    if camera:
        return await _async_from_entity(hass, camera)
    assert media is not None
    return await _async_from_media(hass, media)


def _read_regular_file(path: str, allowed: Path | None) -> bytes | None:
    """Read a regular file (executor: touches the disk); ``None`` if it cannot.

    ``allowed`` is the folder the resolved file must be inside; ``None`` means
    the path was checked against ``allowlist_external_dirs`` already.
    """
    resolved = Path(path).resolve(strict=True)
    if allowed is not None and not resolved.is_relative_to(allowed.resolve()):
        return None
    if not stat.S_ISREG(resolved.stat().st_mode):
        return None
    with resolved.open("rb") as file:
        return file.read(MAX_ATTACHMENT + 1)


def _read_allowed(hass: HomeAssistant, path: str) -> bytes | None:
    """Check ``path`` against the allowlist and read it (executor)."""
    if not hass.config.is_allowed_path(path):
        raise invalid("attachment_not_allowed", attachment=path)
    return _read_regular_file(path, None)


async def _async_from_path(
    hass: HomeAssistant, path: str, *, allowlisted: bool, inside: Path | None = None
) -> Attachment:
    if "\x00" in path:
        raise invalid("attachment_not_found", attachment=path.replace("\x00", "\\0"))
    try:
        if allowlisted:
            data = await hass.async_add_executor_job(_read_allowed, hass, path)
        else:
            data = await hass.async_add_executor_job(_read_regular_file, path, inside)
    except (OSError, ValueError):
        data = None
    if data is None:
        raise invalid("attachment_not_found", attachment=path)
    name = Path(path).name
    content_type = guess_content_type(data, name)
    _check_image(data, content_type, path)
    return Attachment(data, name, content_type)


def _checked_url(hass: HomeAssistant, url: str, original: str) -> str:
    """Return ``url`` if it may be fetched: a valid http(s) URL, allowlisted."""
    try:
        parts = urlsplit(url)
        # Reading the port refuses one out of range or not a number.
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        valid = valid and (parts.port is None or parts.port > 0)
        allowed = valid and hass.config.is_allowed_external_url(url)
    except ValueError:
        raise invalid("attachment_url_invalid", url=original) from None
    if not valid:
        raise invalid("attachment_url_invalid", url=original)
    if not allowed:
        raise invalid("attachment_url_not_allowed", url=original)
    return url


async def _async_fetch(
    session: aiohttp.ClientSession, url: str, original: str
) -> tuple[bytes, str]:
    """Download one answer that is not a redirect: its bytes and content type."""
    async with session.get(url, timeout=URL_TIMEOUT, allow_redirects=False) as answer:
        if answer.status in (301, 302, 303, 307, 308):
            raise _Redirect(answer.headers.get("Location", ""))
        if answer.status != 200:
            raise invalid(
                "attachment_url_failed", url=original, error=f"HTTP {answer.status}"
            )
        content_type = answer.content_type or ""
        if not content_type.startswith("image/"):
            raise invalid("attachment_not_image", attachment=original)
        if (answer.content_length or 0) > MAX_ATTACHMENT:
            raise invalid("attachment_too_large", attachment=original)
        data = bytearray()
        async for chunk in answer.content.iter_chunked(CHUNK):
            data += chunk
            if len(data) > MAX_ATTACHMENT:
                raise invalid("attachment_too_large", attachment=original)
    return bytes(data), content_type


class _Redirect(Exception):
    """The answer was a redirect to ``location``."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


async def _async_from_url(hass: HomeAssistant, url: str) -> Attachment:
    """Download an image, checking the URL and every redirect's target."""
    current = _checked_url(hass, url, url)
    session = async_get_clientsession(hass)
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            data, content_type = await _async_fetch(session, current, url)
        except _Redirect as redirect:
            current = _checked_url(hass, urljoin(current, redirect.location), url)
            continue
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            raise invalid(
                "attachment_url_failed", url=url, error=type(err).__name__
            ) from None
        name = Path(urlsplit(current).path).name or "attachment"
        return Attachment(data, name, content_type)
    raise invalid("attachment_url_failed", url=url, error="too many redirects")


async def _async_from_entity(hass: HomeAssistant, entity_id: str) -> Attachment:
    domain = entity_id.split(".", 1)[0]
    try:
        if domain == "camera":
            from homeassistant.components.camera import async_get_image

            image = await async_get_image(hass, entity_id)
            return _entity_attachment(entity_id, image.content, image.content_type)
        if domain == "image":
            return await _async_from_image_entity(hass, entity_id)
    except HomeAssistantError as err:
        if isinstance(err, ServiceValidationError):
            raise
        raise invalid("camera_unavailable", entity_id=entity_id) from None
    raise invalid("camera_unavailable", entity_id=entity_id)


async def _async_from_image_entity(hass: HomeAssistant, entity_id: str) -> Attachment:
    from homeassistant.components.image.const import DATA_COMPONENT

    component = hass.data.get(DATA_COMPONENT)
    entity = component.get_entity(entity_id) if component is not None else None
    content = await entity.async_image() if entity is not None else None
    if entity is None or content is None:
        raise invalid("camera_unavailable", entity_id=entity_id)
    return _entity_attachment(entity_id, content, entity.content_type or "")


def _entity_attachment(entity_id: str, content: bytes, content_type: str) -> Attachment:
    content_type = content_type or guess_content_type(content, None)
    _check_image(content, content_type, entity_id)
    extension = content_type.split("/", 1)[1].split(";")[0]
    return Attachment(
        content, f"{entity_id.split('.', 1)[1]}.{extension}", content_type
    )


async def _async_from_media(hass: HomeAssistant, media_id: str) -> Attachment:
    """Resolve a media-source item to a local file or an allowlisted URL."""
    from homeassistant.components import media_source

    try:
        resolved = await media_source.async_resolve_media(hass, media_id, None)
    except (HomeAssistantError, AssertionError):
        # The local source asserts that it knows the file's type.
        raise invalid("media_unavailable", media=media_id) from None
    local = _local_media_path(hass, resolved.url)
    if local is not None:
        path, folder = local
        return await _async_from_path(hass, str(path), allowlisted=False, inside=folder)
    if resolved.url.startswith(("http://", "https://")):
        return await _async_from_url(hass, resolved.url)
    raise invalid("media_unavailable", media=media_id)


def _local_media_path(hass: HomeAssistant, url: str) -> tuple[Path, Path] | None:
    """Map a local media URL (``/media/<folder>/<path>``) to its file and folder.

    Home Assistant's local media source puts the item's path into this URL as
    it is, neither quoted nor to be unquoted (``Front door #2.png`` stays so),
    so it is read as a path: parsed as a URL it would be cut at ``#`` or ``?``.
    """
    if not url.startswith(LOCAL_MEDIA_PREFIX):
        return None
    folder_id, _, location = url.removeprefix(LOCAL_MEDIA_PREFIX).partition("/")
    folder = hass.config.media_dirs.get(folder_id)
    if folder is None or not location:
        return None
    return Path(folder) / location, Path(folder)
