"""Decrypting a SQLCipher 4 file page by page, to prove destroyed text is gone from the *file*.

Free pages and unused parts of pages are not reachable through SQL, so the test reads the raw
file and decrypts every page itself: SQLCipher 4 defaults with a raw key — 4096-byte pages,
AES-256-CBC under the raw key, a 16-byte IV followed by a 64-byte HMAC-SHA512 in each page's
reserved tail, and the file's 16-byte salt in place of page 1's first 16 bytes.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE = 4096
RESERVE = 16 + 64
SALT = 16


def decrypted_pages(path: Path, key: bytes) -> list[bytes]:
    """The plaintext of every page of the SQLCipher database ``path``."""
    data = path.read_bytes()
    pages = []
    for number, start in enumerate(range(0, len(data) - PAGE + 1, PAGE), start=1):
        page = data[start : start + PAGE]
        offset = SALT if number == 1 else 0
        iv = page[PAGE - RESERVE : PAGE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        pages.append(decryptor.update(page[offset : PAGE - RESERVE]) + decryptor.finalize())
    return pages


def file_contains(path: Path, key: bytes, needle: bytes) -> bool:
    return any(needle in page for page in decrypted_pages(path, key))
