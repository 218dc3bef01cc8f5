"""Pushover end-to-end encryption of message fields.

Each field: gzip the UTF-8 text, AES-256-CBC with PKCS7 padding and a random
16-byte IV, HMAC-SHA256 over IV and ciphertext with the same key, then
base64 of IV + ciphertext + HMAC. The key is 32 bytes given as 64 hex digits.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_KEY_RE = re.compile(r"^[0-9a-fA-F]{64}$")


def is_valid_key(key: str) -> bool:
    """Whether ``key`` is 64 hex digits."""
    return bool(_KEY_RE.match(key))


def encrypt_field(key_hex: str, text: str) -> str:
    """Encrypt one field the way the Pushover apps expect."""
    key = bytes.fromhex(key_hex)
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(gzip.compress(text.encode())) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    mac = hmac.new(key, iv + ciphertext, hashlib.sha256).digest()
    return base64.b64encode(iv + ciphertext + mac).decode()
