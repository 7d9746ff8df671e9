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

# More entries than any export holds: a directory of thousands of entries is a trap, not an export.
ENTRIES_LIMIT = 10_000
_CHUNK = 1 << 20


def checked_entries(archive: zipfile.ZipFile, label: str) -> list[zipfile.ZipInfo]:
    """The archive's entries, refused when there are more than ENTRIES_LIMIT or when two entries
    have one name (a directory naming one member many times makes every read of it count again)."""
    from netkeep.io.records import fail

    infos = archive.infolist()
    if len(infos) > ENTRIES_LIMIT:
        raise fail(label, "", f"{len(infos):,} entries is more than an export holds")
    seen: set[str] = set()
    for info in infos:
        name = info.filename.lower()
        if name in seen:
            raise fail(label, "", f"the zip lists {info.filename!r} more than once")
        seen.add(name)
    return infos


class InflateBudget:
    """The bytes all members of one archive may inflate to, together: sizes are counted while
    reading, never trusted from the directory (a zip bomb lies), and reading stops at the budget."""

    def __init__(self, limit: int, label: str) -> None:
        self.left = limit
        self.limit = limit
        self.label = label

    def spend(self, count: int, member: str) -> None:
        from netkeep.io.records import fail

        self.left -= count
        if self.left < 0:
            raise fail(
                f"{self.label}!{member}",
                "",
                f"too large: the archive inflates to more than {self.limit:,} bytes",
            )


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: InflateBudget) -> bytes:
    """A member's bytes, read in chunks against the archive's budget."""
    if info.file_size > budget.left:
        budget.spend(info.file_size, info.filename)
    chunks = []
    with archive.open(info) as fh:
        while chunk := fh.read(min(_CHUNK, budget.left + 1)):
            budget.spend(len(chunk), info.filename)
            chunks.append(chunk)
    return b"".join(chunks)
