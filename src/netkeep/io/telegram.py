"""Telegram Desktop's JSON export (`result.json`): a whole account's personal chats, or one chat.

Groups, channels, bots and service messages (calls started, photos changed) are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netkeep.io.capture import (
    OUT_OF_RANGE,
    Identity,
    Message,
    Party,
    Skipped,
    captured_at,
    check_size,
)
from netkeep.io.records import fail

SOURCE = "telegram"
SIZE_LIMIT = 32 * 1024 * 1024  # read whole
# Objects netkeep keeps while reading (chats and messages; the rest is dropped as it is parsed),
# and objects of any kind in the file: with SIZE_LIMIT, these bound the memory and time a file
# can take (a real export has a few objects per message: its text's parts).
KEPT_LIMIT = 400_000
OBJECTS_LIMIT = 1_000_000
_WANTED = frozenset({"id", "type", "name", "from", "from_id", "date", "date_unixtime", "messages"})
_WANTED |= {"chats", "list", "personal_information", "user_id"}
_MARKERS = frozenset({"date", "date_unixtime", "messages", "list", "user_id", "chats"})
_DROPPED: dict[str, Any] = {}  # shared by every object netkeep does not need; never changed


def read_telegram(path: Path, label: str, me: Identity) -> Iterator[Message | Skipped]:
    check_size(path, SIZE_LIMIT, label)
    from netkeep.io.detect import read_text

    try:
        data = json.loads(read_text(path), object_pairs_hook=_Kept(label))
    except (ValueError, RecursionError) as exc:
        raise fail(label, "", f"not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(data, dict):
        raise fail(label, "", "not a Telegram export (expected an object)")
    my_id = None
    info = data.get("personal_information")
    if isinstance(info, dict) and info.get("user_id") is not None:
        my_id = f"user{info['user_id']}"
    if my_id is None and not me.names:
        me.need("--me-name", "names", label)
    chats = data.get("chats", {}).get("list") if isinstance(data.get("chats"), dict) else None
    if chats is None:
        chats = [data] if "messages" in data else None
    if not isinstance(chats, list):
        raise fail(label, "", "not a Telegram export (no chats or messages)")
    for index, chat in enumerate(chats, start=1):
        if not isinstance(chat, dict) or not isinstance(chat.get("messages"), list):
            raise fail(label, f"chat {index}", "has no list of messages")
        yield from _chat(chat, label, f"chat {index}", me, my_id)


class _Kept:
    """json's object hook: an object keeps only the keys netkeep reads, and one that holds none of
    them (a text entity, a reaction) becomes one shared empty object; past KEPT_LIMIT kept objects
    the file is refused."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.kept = 0
        self.seen = 0

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        self.seen += 1
        if self.seen > OBJECTS_LIMIT:
            raise fail(self.label, "", f"more than {OBJECTS_LIMIT:,} objects: export fewer chats")
        kept = {key: value for key, value in pairs if key in _WANTED}
        if not (_MARKERS.intersection(kept) or kept.get("type") == "message"):
            return _DROPPED
        self.kept += 1
        if self.kept > KEPT_LIMIT:
            raise fail(self.label, "", f"more than {KEPT_LIMIT:,} messages: export fewer chats")
        return kept


def _chat(
    chat: dict[str, Any], label: str, where: str, me: Identity, my_id: str | None
) -> Iterator[Message | Skipped]:
    messages = chat["messages"]
    if chat.get("type") != "personal_chat":
        for _ in messages:
            yield Skipped(SOURCE, "group, channel or bot")
        return
    name = str(chat.get("name") or "").strip() or None
    chat_id = str(chat.get("id", name))
    party = Party(name=name)
    for number, message in enumerate(messages, start=1):
        place = f"{where} message {number}"
        if not isinstance(message, dict):
            raise fail(label, place, "must be an object")
        if message.get("type") != "message":
            yield Skipped(SOURCE, "service message")
            continue
        sender_id = message.get("from_id")
        sender = str(message.get("from") or "")
        mine = (my_id is not None and sender_id == my_id) or sender.casefold() in me.names
        when = captured_at(_when(message, label, place), me)
        if when is None:
            yield Skipped(SOURCE, OUT_OF_RANGE)
            continue
        yield Message(
            source=SOURCE,
            key=f"{chat_id}:{message.get('id', number)}",
            at=when,
            channel="text",
            direction="out" if mine else "in",
            two_way=False,
            party=party,
            thread=f"chat:{chat_id}",
        )


def _when(message: dict[str, Any], label: str, where: str) -> datetime:
    unix = message.get("date_unixtime")
    try:
        if unix is not None:
            return datetime.fromtimestamp(int(unix), tz=UTC)
        moment = datetime.fromisoformat(str(message["date"]))
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        raise fail(label, where, "has no readable date") from None
    # Without date_unixtime the export gives local time without a zone; it is taken as UTC
    # (`captured_at` does that).
    return moment
