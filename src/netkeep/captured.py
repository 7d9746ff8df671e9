"""What capture's readers (netkeep.io) and the store (netkeep.store.capture) both speak of: a record
left out on purpose, and the one spelling of a LinkedIn profile URL by which a correspondent is
matched. Pure, and below both (phone numbers have netkeep.phones)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Skipped:
    """A record read and deliberately left out, with the reason the summary counts it under."""

    source: str
    reason: str


def profile_url(url: str | None) -> str | None:
    """A LinkedIn profile URL in one spelling: https, no query, no trailing slash, lower case."""
    if not url or not url.strip():
        return None
    url = url.strip().split("?")[0].split("#")[0].rstrip("/").lower()
    for prefix in ("https://", "http://"):
        url = url.removeprefix(prefix)
    url = url.removeprefix("www.")
    return "https://www." + url if url.startswith("linkedin.com") else "https://" + url
