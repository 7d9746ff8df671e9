"""Cleaning what people type into contact fields (names, emails, tags)."""

from __future__ import annotations

import re

from netkeep.errors import BadInput
from netkeep.text import unique

# An id as people type it: `12` or `#12`, ASCII digits only (not `¹`, `٣` or `1e3`), and small
# enough for SQLite's 64-bit integers.
_ID = re.compile(r"#?([0-9]{1,18})")


def id_of(text: str) -> int | None:
    """The id in `12` or `#12`, else None."""
    match = _ID.fullmatch(text.strip())
    return int(match.group(1)) if match else None


def clean_list(values: list[str] | None) -> list[str]:
    return unique(values or [])


def clean_emails(values: list[str] | None) -> list[str]:
    emails = clean_list(values)
    for email in emails:
        if "@" not in email or any(ch.isspace() for ch in email):
            raise BadInput(f"invalid email {email!r}")
    return emails


def clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise BadInput("a contact needs a name")
    if name.startswith("#") or name.isdigit():
        raise BadInput(f"{value!r} looks like an id; a name needs a letter")
    return name
