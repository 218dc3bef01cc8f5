"""What a phone does with an end-to-end encrypted field: check it and read it.

The reverse of the integration's ``encryption.encrypt_field``: base64 of a
16-byte IV, the AES-256-CBC ciphertext of the gzipped text (PKCS7 padded) and
an HMAC-SHA256 over IV and ciphertext, all under one 32-byte key given as 64
hex digits. Tests use it to read what reached the simulator.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def decrypt_field(key_hex: str, value: str) -> str:
    """Return the text of one encrypted field; ``ValueError`` if it was altered."""
    key = bytes.fromhex(key_hex)
    raw = base64.b64decode(value)
    iv, ciphertext, mac = raw[:16], raw[16:-32], raw[-32:]
    expected = hmac.new(key, iv + ciphertext, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        raise ValueError("HMAC mismatch")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return gzip.decompress(unpadder.update(padded) + unpadder.finalize()).decode()
