"""The all-or-nothing import of records (JSON, vCard, CSV, LinkedIn) into the store.

`import_records` drives four parts, each with one job: `MergePolicy` (merge_policy.py) decides
which existing contact a record is; `_IdMap` maps the file's ids to the database's; `RowWriter`
writes rows in batches; `_Importer` takes the records in order and uses the three.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.engine import Connection
from sqlmodel import Session

from netkeep import dialect
from netkeep.dates import from_db
from netkeep.models import Ask, Contact, Give, Touchpoint
from netkeep.store import _sql
from netkeep.store.contacts import decoded
from netkeep.store.merge_policy import MergePolicy
from netkeep.vocab import CONTACT_FIELDS

PROGRESS_EVERY = 5_000  # records between progress reports
# An import never renames a contact: the update sets every stored field after id and name.
_UPDATED_FIELDS = CONTACT_FIELDS[2:]
# Written with a new contact alone (netkeep JSON brings them): its open follow-up and its snooze.
AGENDA_FIELDS = ("follow_up_on", "follow_up_note", "snoozed_until")


@dataclass
class ImportCounts:
    """What an import did (or, in a dry run, would do). Contacts are counted per record read."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    touchpoints_added: int = 0
    touchpoints_present: int = 0
    asks_added: int = 0
    asks_present: int = 0
    gives_added: int = 0
    gives_present: int = 0
    kept_ids: bool = False
    # Contacts created that may be people already in the database: (record, their id and name).
    likely_duplicates: list[tuple[str, str, int, str]] = dataclasses.field(default_factory=list)
    # Tiers the records use that the config does not define, with how many contacts each.
    unknown_tiers: dict[str, int] = dataclasses.field(default_factory=dict)


def import_records(
    session: Session,
    *,
    records: Iterable[tuple[str, Any]],
    label: str,
    settings: Any,
    now: datetime,
    lossless: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportCounts:
    """Merge an import file's records (see netkeep.io.ImportSource) into the database.

    A contact matches an existing one by email (any case), else by exact name (any case); it is then
    updated with what the record gives (emails and tags joined, other fields replaced when the
    record has them, notes appended unless already there, the earlier created_at kept; the name is
    never changed). `lossless` records (netkeep JSON) keep their ids when the database has no
    contacts; otherwise they merge like any other and their touchpoints and asks get new ids,
    skipping those already present. Raises BadInput naming the record for a bad tier or cadence;
    the caller's transaction then rolls everything back.
    """
    connection = session.connection()
    dialect.prepare_bulk_write(connection)
    writer = RowWriter(connection)
    policy = MergePolicy(
        _existing_contacts(writer.connection),
        label=label,
        settings=settings,
        lossless=lossless,
        now=now,
    )
    keep_ids = lossless and policy.empty and not writer.ids_ever_given()
    importer = _Importer(writer, policy, _IdMap(keep=keep_ids))
    done = 0
    for kind, record in records:
        if kind == "contact":
            importer.contact(record)
        elif kind == "touchpoint":
            importer.touchpoint(record)
        elif kind == "ask":
            importer.ask(record)
        else:
            importer.give(record)
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    importer.finish()
    if progress is not None:
        progress(done)
    return importer.counts


class RowWriter:
    """Row writing for an import: buffered executemany inserts, single inserts that return the id
    the database gave, and the look-ups that find a row already present."""

    TABLES = ("contact", "touchpoint", "ask", "give")
    # Where a lossless import may keep the file's ids: none of these ever gave one.
    KEPT_ID_TABLES = ("contact", "touchpoint", "ask")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.engine = connection.dialect.name
        self.contacts = _sql.untyped_table(Contact)
        self.tables = {
            "touchpoint": _sql.untyped_table(Touchpoint),
            "ask": _sql.untyped_table(Ask),
            "give": _sql.untyped_table(Give),
        }
        self.pending: list[dict[str, Any]] = []
        self.pending_table = ""
        self._member: str | None = None

    def member(self) -> str:
        """The member running the import (`me` in a file, the role on a server)."""
        if self._member is None:
            self._member = str(
                _sql.run(
                    self.connection, f"SELECT {dialect.current_member(self.engine)}"
                ).scalar_one()
            )
        return self._member

    def ids_ever_given(self) -> bool:
        """Whether the tables hold or ever gave an id (an id is never given twice)."""
        return any(dialect.ids_ever_given(self.connection, table) for table in self.KEPT_ID_TABLES)

    def contact_values(self, row: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        """A contact's fields as the engine stores them (lists as JSON, the time in its form)."""
        values = {field: row[field] for field in fields}
        for field in ("emails", "tags"):
            if field in values:
                # JSON text as SQLAlchemy's JSON type writes it; PostgreSQL reads it into JSONB.
                values[field] = json.dumps(values[field])
        if "created_at" in values:
            values["created_at"] = self.time(values["created_at"])
        if "archived" in values:
            values["archived"] = bool(values["archived"])
        return values

    def insert_contacts(self, rows: Iterable[dict[str, Any]], *, keep_ids: bool) -> list[int]:
        """Insert contacts, with their own ids or (without) the ones the database gives them,
        returned in the rows' order."""
        fields = (*CONTACT_FIELDS, *AGENDA_FIELDS)
        if not keep_ids:
            fields = fields[1:]
        ids: list[int] = []
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, _sql.IMPORT_CHUNK)):
            values = [self.contact_values(row, fields) for row in chunk]
            if keep_ids:
                self.connection.execute(self.contacts.insert(), values)
            else:
                ids.extend(dialect.insert_with_ids(self.connection, self.contacts, values))
        return ids

    def open_follow_ups(self, contact_ids: list[int]) -> None:
        """The follow-ups a file brought stay open: only a touchpoint logged after the import
        closes them (netkeep.store.agenda)."""
        if contact_ids:
            _sql.run(
                self.connection,
                "UPDATE contact SET follow_up_after = "
                "(SELECT coalesce(max(id), 0) FROM touchpoint) WHERE id IN :ids",
                {"ids": contact_ids},
            )

    def insert_one(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row without an id; the id the database gave it."""
        self.flush()
        target = self.tables[table]
        statement = target.insert().returning(target.c.id)
        new_id: int = self.connection.execute(statement, row).scalar_one()
        return new_id

    def update_contacts(self, rows: Iterable[dict[str, Any]]) -> None:
        """Write every stored field of these contacts but the id and the name (an import never
        renames a contact)."""
        from sqlalchemy import update

        contact = self.contacts
        statement = (
            update(contact)
            .where(contact.c.id == bindparam("contact_id"))
            .values({field: bindparam(f"new_{field}") for field in _UPDATED_FIELDS})
        )
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, _sql.IMPORT_CHUNK)):
            values = [
                {
                    "contact_id": row["id"],
                    **{
                        f"new_{field}": value
                        for field, value in self.contact_values(row, _UPDATED_FIELDS).items()
                    },
                }
                for row in chunk
            ]
            self.connection.execute(statement, values)

    def time(self, moment: datetime | None) -> Any:
        """A time as the untyped tables take it: in the engine's stored form."""
        return None if moment is None else dialect.time_param(self.engine, moment)

    def buffer(self, table: str, row: dict[str, Any]) -> None:
        """Queue a row with its own id, written with the next ones of the same table."""
        if self.pending_table != table:
            self.flush()
            self.pending_table = table
        self.pending.append(row)
        if len(self.pending) >= _sql.IMPORT_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.connection.execute(self.tables[self.pending_table].insert(), self.pending)
            self.pending = []

    def first_id(self, sql: str, **params: Any) -> int | None:
        """The id a look-up finds first (rows queued so far are written before)."""
        self.flush()
        row = next(_sql.fetch(self.connection, sql, params, stream=False), None)
        return None if row is None else int(row[0])

    def explicit_ids_written(self) -> None:
        self.flush()
        for table in self.TABLES:
            dialect.after_explicit_ids(self.connection, table)


class _IdMap:
    """Ids in the file -> ids in the database. With `keep`, they are the same. New contacts get
    provisional (negative) ids until the database gives them theirs (`settle`)."""

    def __init__(self, *, keep: bool) -> None:
        self.keep = keep
        self.contacts: dict[int, int] = {}
        self.touchpoints: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self._provisional = 0

    def provisional(self) -> int:
        self._provisional -= 1
        return self._provisional

    def settle(self, given: dict[int, int]) -> None:
        """Replace provisional contact ids by the ones the database gave."""
        self.contacts = {key: given.get(value, value) for key, value in self.contacts.items()}

    def contact(self, file_id: int) -> int:
        return file_id if self.keep else self.contacts[file_id]

    def touchpoint(self, file_id: int | None) -> int | None:
        if file_id is None or self.keep:
            return file_id
        return self.touchpoints[file_id]


class _Importer:
    """Takes an import's records in order: contacts first (held and merged in memory, written
    when the first touchpoint, ask or give comes), then touchpoints, asks and gives."""

    def __init__(self, writer: RowWriter, policy: MergePolicy, ids: _IdMap) -> None:
        self.writer = writer
        self.policy = policy
        self.ids = ids
        self.counts = ImportCounts(kept_ids=ids.keep)
        self.counts.unknown_tiers = policy.unknown_tiers
        self.new: list[int] = []  # contacts to insert, by their (provisional) ids
        self.dirty: set[int] = set()  # existing contacts changed
        self.contacts_written = False
        self.following: list[int] = []  # new contacts with an open follow-up (netkeep JSON)
        # Gives carried on version 1 and 2 touchpoints (the initiator's), written once the ids are known.
        self.legacy_gives: list[tuple[int, int, str, str, Any]] = []

    # contacts

    def contact(self, record: Any) -> None:
        policy = self.policy
        tier, cadence = policy.checked(record)
        match = None if self.ids.keep else policy.match(record)
        if match is None:
            contact_id = record.id if self.ids.keep else self.ids.provisional()
            policy.new_row(contact_id, record, tier, cadence)
            self.new.append(contact_id)
            same = policy.likely_duplicate(record)
            if same is not None:
                self.counts.likely_duplicates.append((record.source, record.name, *same))
            self.counts.created += 1
        else:
            contact_id = match
            if policy.merge(match, record, tier, cadence):
                self.counts.updated += 1
                if match in policy.existing:
                    self.dirty.add(match)
            else:
                self.counts.unchanged += 1
        if record.id is not None:
            self.ids.contacts[record.id] = contact_id

    def _write_contacts(self) -> None:
        if self.contacts_written:
            return
        self.contacts_written = True
        rows = self.policy.rows
        new_rows = (rows[cid] for cid in self.new)
        given = self.writer.insert_contacts(new_rows, keep_ids=self.ids.keep)
        following = [cid for cid in self.new if rows[cid]["follow_up_on"] is not None]
        if not self.ids.keep:
            settled = dict(zip(self.new, given, strict=True))
            self.ids.settle(settled)
            following = [settled[cid] for cid in following]
        self.following = following
        self.writer.update_contacts(rows[cid] for cid in sorted(self.dirty))
        rows.clear()  # only ids are needed from here on

    # touchpoints, asks and gives (netkeep JSON only)

    def touchpoint(self, record: dict[str, Any]) -> None:
        self._write_contacts()
        contact_id = self.ids.contact(record["contact_id"])
        row = {
            "contact_id": contact_id,
            "occurred_at": self.writer.time(record["occurred_at"]),
            "channel": record["channel"],
            "direction": record["direction"],
            "two_way": bool(record["two_way"]),
            "note": record["note"],
            "no_reply": bool(record.get("no_reply", False)),
            "source": record.get("source"),
            "source_key": record.get("source_key"),
            # Kept from the file (a server refuses another member's name unless the importing
            # role may act as them); a file older than `logged_by` was logged by the importer.
            "logged_by": record.get("logged_by") or self.writer.member(),
        }
        if self.ids.keep:
            self.writer.buffer("touchpoint", {"id": record["id"], **row})
            self._legacy_give(record, record["id"], contact_id, row["occurred_at"])
            self.counts.touchpoints_added += 1
            return
        if record.get("source_key") is not None:
            # A captured touchpoint is the same one wherever it sits: its key decides.
            present = self.writer.first_id(
                "SELECT id FROM touchpoint WHERE source = :source AND source_key = :key",
                source=record.get("source"),
                key=record["source_key"],
            )
        else:
            present = self.writer.first_id(
                "SELECT id FROM touchpoint WHERE contact_id = :cid AND occurred_at = :at "
                "AND channel = :channel AND direction = :direction ORDER BY id LIMIT 1",
                cid=contact_id,
                at=row["occurred_at"],
                channel=record["channel"],
                direction=record["direction"],
            )
        if present is not None:
            self.ids.touchpoints[record["id"]] = present
            self.counts.touchpoints_present += 1
            return
        touchpoint_id = self.writer.insert_one("touchpoint", row)
        self._legacy_give(record, touchpoint_id, contact_id, row["occurred_at"])
        self.ids.touchpoints[record["id"]] = touchpoint_id
        self.counts.touchpoints_added += 1

    def ask(self, record: dict[str, Any]) -> None:
        self._write_contacts()
        row = {
            "contact_id": self.ids.contact(record["contact_id"]),
            "touchpoint_id": self.ids.touchpoint(record["touchpoint_id"]),
            "asked_by": record["by"],
            "what": record["what"],
            "status": record["status"],
            "opened_at": self.writer.time(record["opened_at"]),
            "resolved_at": self.writer.time(record["resolved_at"]),
        }
        if self.ids.keep:
            self.writer.buffer("ask", {"id": record["id"], **row})
            self.counts.asks_added += 1
            return
        present = self.writer.first_id(
            "SELECT id FROM ask WHERE contact_id = :cid AND asked_by = :by AND what = :what "
            "AND opened_at = :at LIMIT 1",
            cid=row["contact_id"],
            by=record["by"],
            what=record["what"],
            at=row["opened_at"],
        )
        if present is not None:
            self.ids.asks[record["id"]] = present
            self.counts.asks_present += 1
            return
        self.ids.asks[record["id"]] = self.writer.insert_one("ask", row)
        self.counts.asks_added += 1

    def _legacy_give(
        self, record: dict[str, Any], touchpoint_id: int, contact_id: int, occurred_at: Any
    ) -> None:
        """A version 1 or 2 touchpoint's `give` (its initiator's) becomes a give of the ledger."""
        if record.get("legacy_give"):
            by = "me" if record["direction"] == "out" else "them"
            self.legacy_gives.append(
                (contact_id, touchpoint_id, by, record["legacy_give"], occurred_at)
            )

    def give(self, record: dict[str, Any]) -> None:
        self._write_contacts()
        if self.ids.keep:
            fulfils = record["fulfils"]
        else:
            fulfils = None if record["fulfils"] is None else self.ids.asks.get(record["fulfils"])
        row = {
            "contact_id": self.ids.contact(record["contact_id"]),
            "touchpoint_id": self.ids.touchpoint(record["touchpoint_id"]),
            "given_by": record["by"],
            "what": record["what"],
            "given_at": self.writer.time(record["given_at"]),
            "fulfils": fulfils,
        }
        if self.ids.keep:
            self.writer.buffer("give", {"id": record["id"], **row})
            self.counts.gives_added += 1
            return
        if self._give_present(row):
            self.counts.gives_present += 1
            return
        self.writer.insert_one("give", row)
        self.counts.gives_added += 1

    def _give_present(self, row: dict[str, Any]) -> bool:
        found = self.writer.first_id(
            "SELECT id FROM give WHERE contact_id = :cid AND given_by = :by AND what = :what "
            "AND given_at = :at LIMIT 1",
            cid=row["contact_id"],
            by=row["given_by"],
            what=row["what"],
            at=row["given_at"],
        )
        return found is not None

    def finish(self) -> None:
        self._write_contacts()
        self.writer.flush()
        self.writer.open_follow_ups(self.following)
        if self.ids.keep:
            self.writer.explicit_ids_written()
        self._write_legacy_gives()

    def _write_legacy_gives(self) -> None:
        """Version 1 gives, in touchpoint order, linked like the schema upgrade links them: to the
        done ask of the other side resolved at the moment of the give."""
        for contact_id, touchpoint_id, by, what, given_at in self.legacy_gives:
            row = {
                "contact_id": contact_id,
                "touchpoint_id": touchpoint_id,
                "given_by": by,
                "what": what,
                "given_at": given_at,
                "fulfils": None,
            }
            if self._give_present(row):
                self.counts.gives_present += 1
                continue
            row["fulfils"] = self.writer.first_id(
                "SELECT id FROM ask WHERE contact_id = :cid AND status = 'done' "
                "AND asked_by <> :by AND resolved_at = :at ORDER BY id LIMIT 1",
                cid=contact_id,
                by=by,
                at=given_at,
            )
            self.writer.insert_one("give", row)
            self.counts.gives_added += 1


def _existing_contacts(connection: Connection) -> Iterator[dict[str, Any]]:
    """Every contact's stored fields, in id order, for the merge policy to match records against."""
    sql = f"SELECT {', '.join(CONTACT_FIELDS)} FROM contact ORDER BY id"
    for values in _sql.fetch(connection, sql):
        row = decoded(dict(zip(CONTACT_FIELDS, values, strict=True)))
        row["created_at"] = from_db(row["created_at"])
        yield row
