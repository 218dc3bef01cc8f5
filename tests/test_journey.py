"""A user's whole first day, through the real config flow."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

from aiohttp import web

from custom_components.pushover_complete.const import (
    CONF_PRIORITY,
    CONF_RECIPIENT_DEVICES,
    CONF_SOUND,
    CONF_USER_KEY,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from homeassistant.components.camera import Image
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_API_KEY, CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pushover_simulator import DEMO_TOKEN, DEMO_USER, DEMO_USER2, PushoverSimulator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40
JPEG = b"\xff\xd8\xff" + b"\x02" * 40


async def test_add_app_two_recipients_and_send_every_way(
    hass: HomeAssistant,
    sim: PushoverSimulator,
    tmp_path: Path,
    socket_enabled: None,
) -> None:
    """Add the app and two recipients, then send from the UI, legacy and action."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_NAME: "Alice", CONF_API_KEY: DEMO_TOKEN, CONF_USER_KEY: DEMO_USER},
    )
    assert result["step_id"] == "defaults"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOUND: "default", CONF_PRIORITY: "default"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_RECIPIENT), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_NAME: "Bob", CONF_USER_KEY: DEMO_USER2}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_RECIPIENT_DEVICES: ["laptop"],
            CONF_SOUND: "bugle",
            CONF_PRIORITY: "default",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert hass.states.get("notify.alice") and hass.states.get("notify.bob")

    # From the UI: the notify entity.
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.bob", "message": "From the UI", "title": "Hi"},
        blocking=True,
    )
    ui = sim.messages[-1]
    assert (ui["users"], ui["device"], ui["sound"]) == ([DEMO_USER2], "laptop", "bugle")

    # Legacy service with the built-in integration's data keys (attachment path).
    image = tmp_path / "door.png"
    image.write_bytes(PNG)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    await hass.services.async_call(
        "notify",
        "alice",
        {
            "message": "Legacy",
            "data": {"attachment": str(image), "priority": 1, "url": "https://e.org"},
        },
        blocking=True,
    )
    legacy = sim.messages[-1]
    assert legacy["attachment"] == PNG and legacy["priority"] == "1"

    # The action with an image URL ...
    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=JPEG, content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/snap.jpg", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        hass.config.allowlist_external_urls = {f"http://127.0.0.1:{port}/"}
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {
                "entity_id": ["notify.alice", "notify.bob"],
                "message": "URL",
                "attachment_url": f"http://127.0.0.1:{port}/snap.jpg",
            },
            blocking=True,
        )
    finally:
        await runner.cleanup()
    url_sends = [m for m in sim.messages if m["message"] == "URL"]
    assert len(url_sends) == 2  # Bob has a device, so no shared request
    assert all(m["attachment"] == JPEG for m in url_sends)

    # ... and with a camera's picture.
    with patch(
        "homeassistant.components.camera.async_get_image",
        return_value=Image("image/jpeg", JPEG),
    ):
        await hass.services.async_call(
            DOMAIN,
            "send_message",
            {"entity_id": "notify.alice", "message": "Camera", "camera": "camera.door"},
            blocking=True,
        )
    assert sim.messages[-1]["attachment_filename"] == "door.jpeg"
