"""Attachments kept on disk while a message waits: readable by this user only."""

from __future__ import annotations

from dataclasses import dataclass
import os
from pathlib import Path
import shutil

from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .models import Attachment


@dataclass(slots=True)
class StoredAttachment:
    """An attachment kept as a file, and what it takes to send it again."""

    file: str
    filename: str
    content_type: str
    size: int = 0


class KeptFiles:
    """One folder of kept attachments (0700, files 0600) under ``.storage``."""

    def __init__(self, hass: HomeAssistant, kind: str, entry_id: str) -> None:
        """Keep files in ``.storage/pushover_complete_<kind>/<entry_id>``."""
        self.hass = hass
        self.folder = kept_folder(hass, kind, entry_id)

    async def async_keep(self, name: str, attachment: Attachment) -> StoredAttachment:
        """Write an attachment to a private file."""
        path = self.folder / name
        await self.hass.async_add_executor_job(_write_private, path, attachment.data)
        return StoredAttachment(
            str(path),
            attachment.filename,
            attachment.content_type,
            len(attachment.data),
        )

    async def async_read(self, meta: StoredAttachment | None) -> Attachment | None:
        """Read a kept attachment; ``None`` when there is none or it is gone."""
        if meta is None:
            return None
        data = await self.hass.async_add_executor_job(_read_file, Path(meta.file))
        return Attachment(data, meta.filename, meta.content_type) if data else None

    async def async_remove(self, meta: StoredAttachment | None) -> None:
        """Remove a kept attachment, if there is one."""
        if meta is not None:
            await self.hass.async_add_executor_job(_remove_file, Path(meta.file))


def kept_folder(hass: HomeAssistant, kind: str, entry_id: str) -> Path:
    """Return where an entry's kept attachments of one kind live."""
    return Path(hass.config.path(".storage", f"{DOMAIN}_{kind}", entry_id))


async def async_remove_kept(hass: HomeAssistant, kind: str, entry_id: str) -> None:
    """Remove every kept attachment of a removed entry."""
    await hass.async_add_executor_job(
        shutil.rmtree, kept_folder(hass, kind, entry_id), True
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by this user only (folder 0700, file 0600)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _read_file(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _remove_file(path: Path) -> None:
    path.unlink(missing_ok=True)
