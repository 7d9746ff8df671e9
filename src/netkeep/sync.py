"""Sync: bring in what is new or changed in the folders and files other tools keep current.

Flow of one source, inside the sync command's one transaction:
1. List the source cheaply (directory listings, sizes, modification times) and compare with what
   earlier syncs read (`source_item`): only new or changed items are opened.
2. Read them with the import's own readers and write them with the import's own code
   (`store.capture.Capturer` for history, `store.importing.import_records` for contacts), so every rule of `import`
   holds: reconciliation, idempotent keys, `[me]`, `--create`.
3. Record what was read, and the source's `last_sync`.

A Maildir message is keyed on its unique name (a flag change renames its file and a new/ to cur/
move keeps it); a vdir card on its vCard UID, linked to the contact it became: a changed card
updates that contact's name, emails, phone, company, title and birthday (never tier, cadence,
tags or note, which are yours), and a card that is gone archives it. Other files are read again
whole when their size or time changes; their touchpoints' keys make that add only what is new.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session

from netkeep.errors import BadInput, RuntimeFailure
from netkeep.store import capture, importing
from netkeep.store import sources as sources_store

T = TypeVar("T")

KINDS = ("maildir", "vdir", "files")
_UID = re.compile(r"^UID(?:;[^:]*)?:(.*)$", re.IGNORECASE | re.MULTILINE)


def detect_kind(path: Path, fmt: str) -> str:
    """What a new source is: `maildir` (one, or a folder of them), `vdir` (a folder of .vcf
    files), or `files` (a file, or a folder of files, in any import format)."""
    from netkeep.io import mail

    if fmt in KINDS:
        return fmt
    if fmt not in ("auto",):
        raise BadInput(f"unknown source format {fmt!r} (choose auto, {', '.join(KINDS)})")
    if path.is_dir():
        if mail.maildir_folders(path):
            return "maildir"
        if any(file.suffix.lower() == ".vcf" for file in _files(path)):
            return "vdir"
    return "files"


def _files(path: Path) -> list[Path]:
    """The files of a folder and its subfolders, hidden ones (and folders) left out, sorted."""
    found: list[Path] = []
    for top, dirs, files in os.walk(path):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        found.extend(Path(top) / name for name in files if not name.startswith("."))
    return sorted(found)


def _readable_kind(file: Path) -> str | None:
    """The capture format of a file, None for a contacts file, "" for neither: judged from its
    start before anything is written."""
    from netkeep.io.detect import detect_format, read_text
    from netkeep.io.sources import capture_format

    try:
        kind = capture_format(file, "auto")
        if kind is None:
            detect_format(read_text(file), str(file))
    except BadInput:
        return ""
    return kind


def _counted(name: str, items: Collection[T], unit: str) -> Iterator[T]:
    """The items, with a count of them on a terminal when there are many (netkeep.progress)."""
    from netkeep.progress import Progress

    return Progress(name, len(items), unit).over(items)


def _stamp(file: Path) -> str:
    status = file.stat()
    return f"{status.st_size}:{status.st_mtime_ns}"


@dataclass
class SyncResult:
    """What a sync did (or, in a dry run, would do) with one source."""

    name: str
    kind: str
    path: str
    read: int = 0  # messages, cards or files opened
    unchanged: int = 0
    touchpoints_added: int = 0
    touchpoints_present: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0
    contacts_archived: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    not_imported: int = 0  # new correspondents left out (no --create)

    def line(self, *, dry_run: bool) -> str:
        what = {"maildir": "new messages", "vdir": "new or changed cards", "files": "files read"}
        parts = [f"{self.read:,} {what[self.kind]}"]
        if self.touchpoints_added or self.touchpoints_present or self.kind != "vdir":
            parts.append(
                f"{self.touchpoints_added:,} touchpoints added, "
                f"{self.touchpoints_present:,} already there"
            )
        contacts = [
            f"{count:,} {label}"
            for count, label in (
                (self.contacts_created, "created"),
                (self.contacts_updated, "updated"),
                (self.contacts_archived, "archived"),
            )
            if count or self.kind == "vdir"
        ]
        if contacts:
            parts.append("contacts " + ", ".join(contacts))
        if self.not_imported:
            parts.append(f"{self.not_imported:,} new correspondents not imported (use --create)")
        if self.skipped:
            parts.append(
                "skipped: "
                + ", ".join(f"{n:,} {reason}" for reason, n in sorted(self.skipped.items()))
            )
        line = f"{self.name}: {self.kind}: " + "; ".join(parts)
        return line + (" (dry run: nothing written)." if dry_run else ".")

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items()}


class Syncer:
    """Syncs sources on one session (the command's transaction)."""

    def __init__(self, db: Session, *, settings: Any, me: Any, now: datetime, create: bool) -> None:
        self.db = db
        self.settings = settings
        self.me = me
        self.now = now
        self.create = create

    def check(self, source: dict[str, Any]) -> None:
        if not Path(source["path"]).exists():
            raise RuntimeFailure(
                f"source {source['name']!r}: {source['path']} is gone; nothing was synced "
                f"(to forget it: netkeep source rm {source['name']})"
            )

    def run(self, source: dict[str, Any]) -> SyncResult:
        result = SyncResult(source["name"], source["format"], source["path"])
        path = Path(source["path"])
        if source["format"] == "maildir":
            self._maildir(source["id"], path, result)
        elif source["format"] == "vdir":
            self._vdir(source["id"], path, result)
        else:
            self._files(source["id"], path, result)
        sources_store.synced(self.db, source_id=source["id"], now=self.now)
        return result

    # --- history -----------------------------------------------------------------------------

    def _capture(self, records: Any, result: SyncResult, kind: str) -> None:
        from netkeep.io.capture import reduce_exchanges

        tally = capture.SourceCounts(format=kind)
        capturer = capture.Capturer(
            self.db, settings=self.settings, now=self.now, create=self.create
        )
        capturer.add(reduce_exchanges(records), tally)
        capturer.finish()
        result.touchpoints_added += tally.added
        result.touchpoints_present += tally.present
        result.contacts_created += len(tally.created)
        result.not_imported += len(tally.unknown)
        for reason, count in tally.skipped.items():
            result.skipped[reason] = result.skipped.get(reason, 0) + count

    def _maildir(self, source_id: int, path: Path, result: SyncResult) -> None:
        from netkeep.io import mail

        seen = sources_store.item_keys(self.db, source_id=source_id)
        new: dict[str, tuple[Path, bool]] = {}
        for key, file, trashed in mail.maildir_entries(mail.maildir_folders(path)):
            if key not in seen and key not in new:
                new[key] = (file, trashed)
        result.read = len(new)
        result.unchanged = len(seen)
        if new:
            files = _counted(result.name, new.values(), "messages")
            self._capture(mail.read_mail_files(files, str(path), self.me), result, "maildir")
            sources_store.add_items(
                self.db, source_id=source_id, rows=((key, None, None) for key in new)
            )

    # --- files -------------------------------------------------------------------------------

    def _files(self, source_id: int, path: Path, result: SyncResult) -> None:
        known = sources_store.items(self.db, source_id=source_id)
        files = [path] if path.is_file() else _files(path)
        present = set()
        for file in _counted(result.name, files, "files"):
            item = file.name if file == path else str(file.relative_to(path))
            present.add(item)
            stamp = _stamp(file)
            if known.get(item, {}).get("stamp") == stamp:
                result.unchanged += 1
                continue
            kind = _readable_kind(file)
            if kind == "":
                # Not a format import reads (a README beside the exports): counted, and looked
                # at again only when it changes.
                result.skipped["not an import format"] = (
                    result.skipped.get("not an import format", 0) + 1
                )
            elif kind is None:
                result.read += 1
                self._contacts_file(file, result)
            else:
                result.read += 1
                self._capture_file(file, kind, result)
            sources_store.set_item(
                self.db, source_id=source_id, item=item, path=item, stamp=stamp, contact_id=None
            )
        sources_store.drop_items(self.db, source_id=source_id, names=set(known) - present)

    def _capture_file(self, file: Path, kind: str, result: SyncResult) -> None:
        from netkeep.io.sources import open_capture

        opened = open_capture(file, kind, self.me)
        if opened.contacts:
            self._import_contacts(opened.contacts, f"{file}!Connections.csv", result)
        self._capture(opened.records(), result, kind)

    def _contacts_file(self, file: Path, result: SyncResult) -> None:
        from netkeep.io import open_import

        with open_import(file) as source:
            counts = importing.import_records(
                self.db,
                records=source.records,
                label=str(file),
                settings=self.settings,
                now=self.now,
                lossless=source.format == "json",
            )
        result.contacts_created += counts.created
        result.contacts_updated += counts.updated
        result.touchpoints_added += counts.touchpoints_added
        result.touchpoints_present += counts.touchpoints_present

    def _import_contacts(self, contacts: list[Any], label: str, result: SyncResult) -> None:
        counts = importing.import_records(
            self.db,
            records=(("contact", contact) for contact in contacts),
            label=label,
            settings=self.settings,
            now=self.now,
            lossless=False,
        )
        result.contacts_created += counts.created
        result.contacts_updated += counts.updated

    # --- address books -----------------------------------------------------------------------

    def _vdir(self, source_id: int, path: Path, result: SyncResult) -> None:
        from netkeep.io.detect import read_text
        from netkeep.io.vcf import parse_vcf

        known = sources_store.items(self.db, source_id=source_id)
        by_path = {row["path"]: item for item, row in known.items() if row["path"] is not None}
        seen: set[str] = set()
        fresh: list[tuple[str, str, str, Any]] = []  # (uid, path, stamp, record)
        cards = [file for file in _files(path) if file.suffix.lower() == ".vcf"]
        for file in _counted(result.name, cards, "cards"):
            relative, stamp = str(file.relative_to(path)), _stamp(file)
            item = by_path.get(relative)
            if item is not None and known[item]["stamp"] == stamp:
                seen.add(item)
                result.unchanged += 1
                continue
            try:
                text = read_text(file)
                records = parse_vcf(text, str(file))
            except BadInput:
                records = []
            if not records:
                # A card that cannot be read keeps its contact as it was, and is tried again
                # when the file changes.
                if item is not None:
                    seen.add(item)
                result.skipped["unreadable card"] = result.skipped.get("unreadable card", 0) + 1
                continue
            result.read += 1
            uid_match = _UID.search(text)
            uid = uid_match.group(1).strip() if uid_match else f"file:{relative}"
            seen.add(uid)
            linked = known.get(uid, {}).get("contact_id")
            if linked is not None and self._update_contact(linked, records[0]):
                result.contacts_updated += 1
            if linked is not None:
                sources_store.set_item(
                    self.db,
                    source_id=source_id,
                    item=uid,
                    path=relative,
                    stamp=stamp,
                    contact_id=linked,
                )
            else:
                fresh.append((uid, relative, stamp, records[0]))
        if fresh:
            self._import_contacts([record for *_, record in fresh], str(path), result)
            for uid, relative, stamp, record in fresh:
                contact_id = sources_store.contact_matching(
                    self.db, emails=record.emails, name=record.name
                )
                sources_store.set_item(
                    self.db,
                    source_id=source_id,
                    item=uid,
                    path=relative,
                    stamp=stamp,
                    contact_id=contact_id,
                )
        # A card gone archives its contact; its item stays (without a file) so that the card's
        # return brings the same contact back.
        gone = {item for item in set(known) - seen if known[item]["path"] is not None}
        result.contacts_archived = self._archive(
            [known[item]["contact_id"] for item in gone if known[item]["contact_id"] is not None]
        )
        for item in gone:
            sources_store.set_item(
                self.db,
                source_id=source_id,
                item=item,
                path=None,
                stamp=None,
                contact_id=known[item]["contact_id"],
            )

    def _update_contact(self, contact_id: int, record: Any) -> bool:
        """The card's own fields onto its contact; whether anything changed."""
        from netkeep.models import Contact

        contact = self.db.get(Contact, contact_id)
        if contact is None:
            return False
        fields = {
            "name": record.name,
            "emails": list(record.emails),
            "phone": record.phone,
            "company": record.company,
            "title": record.title,
            "birthday": record.birthday,
        }
        changed = {key: value for key, value in fields.items() if getattr(contact, key) != value}
        for key, value in changed.items():
            setattr(contact, key, value)
        if contact.archived:  # the card is back
            contact.archived = False
            changed["archived"] = False
        if changed:
            self.db.add(contact)
            self.db.flush()
        return bool(changed)

    def _archive(self, contact_ids: list[int]) -> int:
        if not contact_ids:
            return 0
        from netkeep.store import _sql

        return int(
            _sql.run(
                self.db,
                "UPDATE contact SET archived = :yes WHERE id IN :ids AND NOT archived",
                {"yes": True, "ids": contact_ids},
            ).rowcount
        )
