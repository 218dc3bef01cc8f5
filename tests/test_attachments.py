"""Attachments: files, URLs (every redirect checked), cameras, images, media."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
import os
from pathlib import Path
from typing import Any

from aiohttp import web
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockPlatform,
    mock_platform,
)

from custom_components.pushover_complete.api import MAX_ATTACHMENT
from custom_components.pushover_complete.const import DOMAIN
from homeassistant.components.camera import Camera
from homeassistant.components.image import ImageEntity
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pushover_simulator import PushoverSimulator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
TOO_LARGE = PNG + b"\x00" * (MAX_ATTACHMENT + 1 - len(PNG))
EXACTLY_MAX = PNG + b"\x00" * (MAX_ATTACHMENT - len(PNG))


async def send(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Send to Alice through the action and return its response."""
    response = await hass.services.async_call(
        DOMAIN,
        "send_message",
        {"entity_id": "notify.alice", "message": "x", **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return dict(response)


async def refused(hass: HomeAssistant, **data: Any) -> ServiceValidationError:
    """Send to Alice, expecting a translated refusal; return it."""
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, **data)
    return err.value


# Local files.


async def test_attachment_from_allowed_path(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """A local image inside the allowlist goes up as the attachment."""
    image = tmp_path / "snap.png"
    image.write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await send(hass, attachment=str(image))
    [msg] = sim.messages
    assert msg["attachment"] == PNG
    assert msg["attachment_filename"] == "snap.png"
    assert msg["attachment_content_type"] == "image/png"


def nothing_allowed(_folder: Path) -> set[str]:
    """No folder is on the allowlist."""
    return set()


def folder_allowed(folder: Path) -> set[str]:
    """The test's folder is on the allowlist."""
    return {str(folder)}


@pytest.mark.parametrize(
    ("files", "name", "allowlist", "key"),
    [
        ({"snap.png": PNG}, "snap.png", nothing_allowed, "attachment_not_allowed"),
        ({}, "missing.png", folder_allowed, "attachment_not_found"),
        ({"notes.txt": b"hello"}, "notes.txt", folder_allowed, "attachment_not_image"),
        ({"huge.png": TOO_LARGE}, "huge.png", folder_allowed, "attachment_too_large"),
    ],
)
async def test_attachment_path_errors(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
    files: dict[str, bytes],
    name: str,
    allowlist: Callable[[Path], set[str]],
    key: str,
) -> None:
    """Each attachment problem has its own error; nothing is sent."""
    for file_name, content in files.items():
        (tmp_path / file_name).write_bytes(content)
    path = tmp_path / name
    hass.config.allowlist_external_dirs = allowlist(tmp_path)
    err = await refused(hass, attachment=str(path))
    assert err.translation_key == key
    assert err.translation_placeholders == {"attachment": str(path)}
    assert sim.messages == []


async def test_attachment_symlink_escape_refused(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """A symlink out of the allowlist is refused."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    (allowed / "link.png").symlink_to(secret)
    hass.config.allowlist_external_dirs = {str(allowed)}
    err = await refused(hass, attachment=str(allowed / "link.png"))
    assert err.translation_key == "attachment_not_allowed"
    assert sim.messages == []


# URLs.


@dataclass
class ImageServer:
    """A web server on 127.0.0.1 that records the paths asked of it."""

    url: str = ""
    requested: list[str] = field(default_factory=list)


async def _start(app: web.Application, server: ImageServer) -> web.AppRunner:
    @web.middleware
    async def record(request: web.Request, handler: Any) -> web.StreamResponse:
        server.requested.append(request.path)
        response: web.StreamResponse = await handler(request)
        return response

    app.middlewares.append(record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    return runner


def _redirect(location: str) -> Any:
    async def handler(request: web.Request) -> web.Response:
        raise web.HTTPFound(location)

    return handler


def _body(body: bytes, content_type: str = "image/png", status: int = 200) -> Any:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=content_type, status=status)

    return handler


async def _chunked(request: web.Request) -> web.StreamResponse:
    """An image of unannounced length, larger than Pushover takes."""
    response = web.StreamResponse(headers={"Content-Type": "image/png"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    chunk = b"\x00" * 65536
    try:
        for _ in range(MAX_ATTACHMENT // len(chunk) + 2):
            await response.write(chunk)
    except ConnectionError:
        return response
    await response.write_eof()
    return response


@pytest.fixture
async def servers(
    socket_enabled: None,
) -> AsyncIterator[tuple[ImageServer, ImageServer]]:
    """Two image servers: ``allowed`` (its /allowed/ allowlisted) and ``other``."""
    allowed, other = ImageServer(), ImageServer()
    other_app = web.Application()
    other_app.router.add_get("/cam.png", _body(PNG))
    other_runner = await _start(other_app, other)
    app = web.Application()
    routes = {
        "/allowed/cam.png": _body(PNG),
        "/allowed/notes": _body(b"hello", "text/plain"),
        "/allowed/missing.png": _body(b"", status=404),
        "/allowed/loop": _redirect("/allowed/loop"),
        "/allowed/to-file": _redirect("file:///etc/passwd"),
        "/allowed/hop": _redirect("cam.png"),
        "/allowed/two-hops": _redirect("/allowed/hop"),
        "/allowed/to-private": _redirect("/private/cam.png"),
        "/allowed/to-other": _redirect(f"{other.url}/cam.png"),
        "/allowed/exact.png": _body(EXACTLY_MAX),
        "/allowed/too-large.png": _body(TOO_LARGE),
        "/allowed/unannounced.png": _chunked,
        "/private/cam.png": _body(PNG),
    }
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    runner = await _start(app, allowed)
    yield allowed, other
    await runner.cleanup()
    await other_runner.cleanup()


@pytest.fixture
def allowed(hass: HomeAssistant, servers: tuple[ImageServer, ImageServer]) -> str:
    """Allowlist the first server's /allowed/ folder; return its URL."""
    server, _other = servers
    hass.config.allowlist_external_urls = {f"{server.url}/allowed/"}
    return f"{server.url}/allowed"


@pytest.mark.parametrize(
    ("path", "hops"),
    [
        ("cam.png", ["/allowed/cam.png"]),
        ("hop", ["/allowed/hop", "/allowed/cam.png"]),
        ("two-hops", ["/allowed/two-hops", "/allowed/hop", "/allowed/cam.png"]),
    ],
)
async def test_attachment_url_and_redirects_within_the_allowlist(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    servers: tuple[ImageServer, ImageServer],
    allowed: str,
    path: str,
    hops: list[str],
) -> None:
    """An allowlisted image URL is fetched, following redirects that stay allowed."""
    await send(hass, attachment_url=f"{allowed}/{path}")
    [msg] = sim.messages
    assert msg["attachment"] == PNG
    assert msg["attachment_filename"] == "cam.png"
    assert msg["attachment_content_type"] == "image/png"
    assert servers[0].requested == hops


@pytest.mark.parametrize(
    ("path", "never"),
    [("to-private", "/private/cam.png"), ("to-other", "/cam.png")],
    ids=["other_path", "other_port"],
)
async def test_redirect_out_of_the_allowlist_is_refused_unfetched(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    servers: tuple[ImageServer, ImageServer],
    allowed: str,
    path: str,
    never: str,
) -> None:
    """An allowed URL redirecting elsewhere: refused; the target is never asked."""
    url = f"{allowed}/{path}"
    err = await refused(hass, attachment_url=url)
    assert err.translation_key == "attachment_url_not_allowed"
    assert err.translation_placeholders == {"url": url}
    assert servers[0].requested == [f"/allowed/{path}"]
    assert servers[1].requested == []
    assert never not in servers[0].requested
    assert sim.messages == []


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("notes", "attachment_not_image"),
        ("missing.png", "attachment_url_failed"),
        ("loop", "attachment_url_failed"),
        ("to-file", "attachment_url_invalid"),
        ("too-large.png", "attachment_too_large"),
        ("unannounced.png", "attachment_too_large"),
    ],
)
async def test_attachment_url_errors(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    servers: tuple[ImageServer, ImageServer],
    allowed: str,
    path: str,
    key: str,
) -> None:
    """URL problems (and images over 5 MB, announced or not) are refused."""
    err = await refused(hass, attachment_url=f"{allowed}/{path}")
    assert err.translation_key == key
    assert sim.messages == []


async def test_attachment_url_of_exactly_5_mb(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    allowed: str,
) -> None:
    """An image of exactly Pushover's limit goes through whole."""
    await send(hass, attachment_url=f"{allowed}/exact.png")
    [msg] = sim.messages
    assert len(msg["attachment"]) == MAX_ATTACHMENT
    assert msg["attachment"] == EXACTLY_MAX


async def test_attachment_url_not_allowlisted(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    servers: tuple[ImageServer, ImageServer],
) -> None:
    """Without an allowlist entry nothing is fetched."""
    url = f"{servers[0].url}/allowed/cam.png"
    err = await refused(hass, attachment_url=url)
    assert err.translation_key == "attachment_url_not_allowed"
    assert servers[0].requested == []


async def test_attachment_url_scheme(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Only http and https URLs are fetched."""
    hass.config.allowlist_external_urls = {"file:///"}
    err = await refused(hass, attachment_url="file:///etc/passwd")
    assert err.translation_key == "attachment_url_invalid"


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:99999/x.png",
        "http://127.0.0.1:-1/x.png",
        "http://127.0.0.1:port/x.png",
        "http://[127.0.0.1/x.png",
    ],
)
async def test_attachment_url_that_cannot_be_parsed(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry, url: str
) -> None:
    """A port out of range or a broken host is refused in words, not a ValueError."""
    hass.config.allowlist_external_urls = {"http://127.0.0.1", "https://127.0.0.1"}
    err = await refused(hass, attachment_url=url)
    assert err.translation_key == "attachment_url_invalid"
    assert err.translation_placeholders == {"url": url}
    assert sim.messages == []


# Camera and image entities.


class Porch(Camera):
    """A camera whose picture is a small JPEG."""

    _attr_name = "Porch"
    _attr_unique_id = "porch"

    def __init__(self) -> None:
        """Start as an ordinary camera."""
        super().__init__()
        self.content_type = "image/jpeg"

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """Return the current picture."""
        return JPEG


class Doorbell(ImageEntity):
    """An image entity whose image is a small PNG."""

    _attr_name = "Doorbell"
    _attr_unique_id = "doorbell"
    _attr_content_type = "image/png"

    def __init__(self, hass: HomeAssistant) -> None:
        """Have an image from the start."""
        super().__init__(hass)
        self._attr_image_last_updated = dt_util.utcnow()

    async def async_image(self) -> bytes | None:
        """Return the image."""
        return PNG


@pytest.fixture
async def picture_entities(hass: HomeAssistant) -> None:
    """Set up camera.porch and image.doorbell."""

    async def cameras(
        hass: HomeAssistant, config: Any, add: AddEntitiesCallback, info: Any = None
    ) -> None:
        add([Porch()])

    async def images(
        hass: HomeAssistant, config: Any, add: AddEntitiesCallback, info: Any = None
    ) -> None:
        add([Doorbell(hass)])

    mock_platform(hass, "test.camera", MockPlatform(async_setup_platform=cameras))
    mock_platform(hass, "test.image", MockPlatform(async_setup_platform=images))
    assert await async_setup_component(hass, "camera", {"camera": {"platform": "test"}})
    assert await async_setup_component(hass, "image", {"image": {"platform": "test"}})
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("entity_id", "content", "filename", "content_type"),
    [
        ("camera.porch", JPEG, "porch.jpeg", "image/jpeg"),
        ("image.doorbell", PNG, "doorbell.png", "image/png"),
    ],
)
async def test_attachment_from_camera_or_image_entity(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    picture_entities: None,
    entity_id: str,
    content: bytes,
    filename: str,
    content_type: str,
) -> None:
    """A camera's current picture, or an image entity's image, is attached."""
    await send(hass, camera=entity_id)
    [msg] = sim.messages
    assert msg["attachment"] == content
    assert msg["attachment_filename"] == filename
    assert msg["attachment_content_type"] == content_type


@pytest.mark.parametrize(
    "entity_id", ["camera.nope", "image.nope", "light.nope", "camera.porch"]
)
async def test_camera_unavailable(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    entity_id: str,
) -> None:
    """No such camera or image (no camera set up at all): a translated error."""
    err = await refused(hass, camera=entity_id)
    assert err.translation_key == "camera_unavailable"
    assert err.translation_placeholders == {"entity_id": entity_id}
    assert sim.messages == []


# Media from the media browser.


@pytest.fixture
async def media(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A local media folder "local": a picture, a text file, a FIFO and more."""
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "snap.png").write_bytes(PNG)
    (folder / "notes.txt").write_bytes(b"hello")
    (folder / "snapshot").write_bytes(PNG)
    os.mkfifo(folder / "pipe.png")
    (tmp_path / "secret.png").write_bytes(PNG)
    hass.config.media_dirs = {"local": str(folder)}
    assert await async_setup_component(hass, "media_source", {})
    return folder


@pytest.mark.parametrize(
    "value",
    [
        "media-source://media_source/local/snap.png",
        {
            "media_content_id": "media-source://media_source/local/snap.png",
            "media_content_type": "image/png",
        },
    ],
    ids=["uri", "selector"],
)
async def test_media_source_item_reaches_the_wire(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    media: Path,
    value: Any,
) -> None:
    """A local media item is read (no allowlist needed) and attached."""
    assert hass.config.allowlist_external_dirs == set()
    await send(hass, media=value)
    [msg] = sim.messages
    assert msg["attachment"] == PNG
    assert msg["attachment_filename"] == "snap.png"
    assert msg["attachment_content_type"] == "image/png"


@pytest.mark.parametrize(
    ("item", "key"),
    [
        ("local/notes.txt", "attachment_not_image"),
        ("local/snapshot", "media_unavailable"),
        ("local/pipe.png", "attachment_not_found"),
        ("local/missing.png", "attachment_not_found"),
        ("local/../secret.png", "media_unavailable"),
        ("elsewhere/snap.png", "media_unavailable"),
    ],
)
async def test_media_source_errors(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    media: Path,
    item: str,
    key: str,
) -> None:
    """Media that is not an image, missing or outside its folder is refused."""
    err = await refused(hass, media=f"media-source://media_source/{item}")
    assert err.translation_key == key
    assert sim.messages == []


@pytest.mark.parametrize(
    "name",
    ["Front door #2.png", "what?.png", "50% off.png", "a%41b.png", "my snap.png"],
)
async def test_media_names_with_url_characters(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    media: Path,
    name: str,
) -> None:
    """A name with ``#``, ``?``, ``%`` or spaces attaches that very file.

    Beside it lie the files a cut or decoded name would wrongly point to.
    """
    (media / name).write_bytes(JPEG)
    (media / "Front door .png").write_bytes(PNG)
    (media / "what").write_bytes(PNG)
    (media / "aAb.png").write_bytes(PNG)
    await send(hass, media=f"media-source://media_source/local/{name}")
    [msg] = sim.messages
    assert msg["attachment"] == JPEG
    assert msg["attachment_content_type"] == "image/jpeg"


# One attachment per message.


KINDS = {
    "attachment": "/tmp/a.png",
    "attachment_url": "http://127.0.0.1:9/a.png",
    "camera": "camera.porch",
    "media": "media-source://media_source/local/snap.png",
}


@pytest.mark.parametrize(
    "kinds",
    [
        ("attachment", "camera"),
        ("attachment", "attachment_url"),
        ("attachment_url", "media"),
        ("camera", "media"),
        tuple(KINDS),
    ],
)
async def test_one_attachment_per_message(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    loaded_entry: MockConfigEntry,
    kinds: tuple[str, ...],
) -> None:
    """Pushover takes one attachment per message: two kinds are refused."""
    err = await refused(hass, **{kind: KINDS[kind] for kind in kinds})
    assert err.translation_key == "one_attachment"
    assert sim.messages == []


async def test_one_attachment_in_legacy_data(
    hass: HomeAssistant, sim: PushoverSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The legacy service's data is held to the same rule."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "notify",
            "alice",
            {
                "message": "x",
                "data": {"attachment": KINDS["attachment"], "camera": KINDS["camera"]},
            },
            blocking=True,
        )
    assert err.value.translation_key == "one_attachment"
    assert sim.messages == []
