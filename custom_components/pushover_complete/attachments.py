"""Attachments: a local file, an image URL, or a camera/image entity's picture.

Each is checked before anything is sent: allowlisted, readable, an image,
at most 5 MB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import aiohttp

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api.client import guess_content_type
from .api.validation import MAX_ATTACHMENT
from .const import DOMAIN
from .send import Attachment

URL_TIMEOUT: Final = aiohttp.ClientTimeout(total=20, connect=10)
MAX_REDIRECTS: Final = 3
CHUNK: Final = 64 * 1024


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def _check_image(data: bytes, content_type: str, source: str) -> None:
    if len(data) > MAX_ATTACHMENT:
        raise _error("attachment_too_large", attachment=source)
    if not content_type.startswith("image/"):
        raise _error("attachment_not_image", attachment=source)


async def async_resolve_attachment(
    hass: HomeAssistant,
    *,
    path: str | None = None,
    url: str | None = None,
    camera: str | None = None,
) -> Attachment | None:
    """The one attachment a call names, read and checked; ``None`` without one."""
    given = [value for value in (path, url, camera) if value]
    if not given:
        return None
    if len(given) > 1:
        raise _error("one_attachment")
    if path:
        return await _async_from_path(hass, path)
    if url:
        return await _async_from_url(hass, url)
    assert camera is not None
    return await _async_from_entity(hass, camera)


def _read_allowed(hass: HomeAssistant, path: str) -> bytes | None:
    """Resolve and read ``path`` (executor: touches the disk)."""
    if not hass.config.is_allowed_path(path):
        raise _error("attachment_not_allowed", attachment=path)
    try:
        with Path(path).resolve(strict=True).open("rb") as file:
            return file.read(MAX_ATTACHMENT + 1)
    except OSError:
        return None


async def _async_from_path(hass: HomeAssistant, path: str) -> Attachment:
    data = await hass.async_add_executor_job(_read_allowed, hass, path)
    if data is None:
        raise _error("attachment_not_found", attachment=path)
    name = Path(path).name
    content_type = guess_content_type(data, name)
    _check_image(data, content_type, path)
    return Attachment(data, name, content_type)


async def _async_from_url(hass: HomeAssistant, url: str) -> Attachment:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _error("attachment_url_invalid", url=url)
    if not hass.config.is_allowed_external_url(url):
        raise _error("attachment_url_not_allowed", url=url)
    session = async_get_clientsession(hass)
    try:
        async with session.get(
            url, timeout=URL_TIMEOUT, max_redirects=MAX_REDIRECTS
        ) as response:
            final = response.url
            if final.scheme not in ("http", "https"):
                raise _error("attachment_url_invalid", url=url)
            if response.status != 200:
                raise _error(
                    "attachment_url_failed", url=url, error=f"HTTP {response.status}"
                )
            content_type = response.content_type or ""
            if not content_type.startswith("image/"):
                raise _error("attachment_not_image", attachment=url)
            if (response.content_length or 0) > MAX_ATTACHMENT:
                raise _error("attachment_too_large", attachment=url)
            data = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK):
                data += chunk
                if len(data) > MAX_ATTACHMENT:
                    raise _error("attachment_too_large", attachment=url)
    except (aiohttp.ClientError, TimeoutError) as err:
        raise _error(
            "attachment_url_failed", url=url, error=type(err).__name__
        ) from None
    name = Path(parts.path).name or "attachment"
    return Attachment(bytes(data), name, content_type)


async def _async_from_entity(hass: HomeAssistant, entity_id: str) -> Attachment:
    domain = entity_id.split(".", 1)[0]
    try:
        if domain == "camera":
            from homeassistant.components.camera import async_get_image

            image = await async_get_image(hass, entity_id)
        elif domain == "image":
            from homeassistant.components.image.const import (
                DATA_COMPONENT as IMAGE_COMPONENT,
            )

            entity = (
                hass.data[IMAGE_COMPONENT].get_entity(entity_id)
                if IMAGE_COMPONENT in hass.data
                else None
            )
            content = await entity.async_image() if entity is not None else None
            if entity is None or content is None:
                raise _error("camera_unavailable", entity_id=entity_id)
            return _entity_attachment(entity_id, content, entity.content_type or "")
        else:
            raise _error("camera_unavailable", entity_id=entity_id)
    except HomeAssistantError as err:
        if isinstance(err, ServiceValidationError):
            raise
        raise _error("camera_unavailable", entity_id=entity_id) from None
    return _entity_attachment(entity_id, image.content, image.content_type)


def _entity_attachment(entity_id: str, content: bytes, content_type: str) -> Attachment:
    content_type = content_type or guess_content_type(content, None)
    _check_image(content, content_type, entity_id)
    extension = content_type.split("/", 1)[1].split(";")[0]
    return Attachment(
        content, f"{entity_id.split('.', 1)[1]}.{extension}", content_type
    )
