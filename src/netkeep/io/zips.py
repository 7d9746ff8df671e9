"""What the readers of exported .zip files (LinkedIn, WhatsApp, format detection) treat as a
broken archive: one list, so a new kind of damage is handled by all of them."""

from __future__ import annotations

import zipfile
import zlib

# What reading a broken .zip can raise, from its directory to a member's last byte: a damaged or
# truncated archive (BadZipFile, EOFError, ValueError, OSError), one needing ZIP64 or a compression
# the standard library lacks (LargeZipFile, NotImplementedError), an encrypted member or a CRC
# mismatch (RuntimeError, BadZipFile) and a corrupt deflate stream (zlib.error).
ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    ValueError,
    OSError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
)
