"""An image to attach: read it without blocking, tell its content type.

``image`` is a path (``str`` or ``pathlib.Path``), bytes, or a binary file-like
object. Reading touches the disk, so :func:`attachment_part` runs it in the
event loop's executor; only regular files are opened (never a FIFO or a device,
which could hang the read).
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
from pathlib import Path
import stat
from typing import IO

from .errors import PushoverValidationError
from .transport import Files
from .validation import CONTENT_TYPE_RE, MAX_ATTACHMENT, check_pattern

type Image = str | Path | bytes | bytearray | IO[bytes]

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)


def guess_content_type(data: bytes, filename: str | None) -> str:
    """Return an image's content type from its first bytes, else from its name."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if filename and (guessed := mimetypes.guess_type(filename)[0]):
        return guessed
    return "application/octet-stream"


async def attachment_part(image: Image, attachment_type: str | None) -> Files:
    """Read an image (off the event loop) into the multipart part ``attachment``."""
    if attachment_type is not None:
        check_pattern("attachment_type", attachment_type, pattern=CONTENT_TYPE_RE)
    data, filename = await asyncio.get_running_loop().run_in_executor(
        None, read_image, image
    )
    if len(data) > MAX_ATTACHMENT:
        raise PushoverValidationError(
            "attachment", f"is larger than {MAX_ATTACHMENT} bytes"
        )
    content_type = attachment_type or guess_content_type(data, filename)
    return {"attachment": (_header_safe(filename), data, content_type)}


def read_image(image: Image) -> tuple[bytes, str]:
    """Read an attachment and its file name (blocking: run it in an executor)."""
    if isinstance(image, bytes | bytearray):
        return bytes(image), "attachment"
    if isinstance(image, str | Path):
        return _read_path(os.fspath(image))
    if not callable(getattr(image, "read", None)):
        raise PushoverValidationError("image", "must be a path, bytes or a file")
    try:
        data = image.read(MAX_ATTACHMENT + 1)
    except OSError as err:
        raise PushoverValidationError("image", _unreadable(err)) from None
    if not isinstance(data, bytes | bytearray):
        raise PushoverValidationError("image", "must be opened in binary mode")
    name = getattr(image, "name", None)
    return bytes(data), Path(name).name if isinstance(name, str) else "attachment"


def _read_path(path: str) -> tuple[bytes, str]:
    """Read a regular file; anything else (a FIFO, a device) is never opened."""
    if "\0" in path:
        raise PushoverValidationError("image", "the path contains a NUL character")
    try:
        if not stat.S_ISREG(Path(path).stat().st_mode):
            raise PushoverValidationError("image", "is not a regular file")
        # O_NONBLOCK: should the path be swapped for a FIFO after the check,
        # opening it cannot hang; fstat then refuses it.
        with os.fdopen(os.open(path, _OPEN_FLAGS), "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise PushoverValidationError("image", "is not a regular file")
            data = file.read(MAX_ATTACHMENT + 1)
    except OSError as err:
        raise PushoverValidationError("image", _unreadable(err)) from None
    return data, Path(path).name


def _unreadable(err: OSError) -> str:
    return f"cannot be read ({err.strerror or type(err).__name__})"


def _header_safe(name: str) -> str:
    """Return a file name that can go into a multipart header (``_`` for odd ones)."""
    return "".join(char if char.isprintable() else "_" for char in name) or "attachment"
