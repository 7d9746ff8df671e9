"""SQLModel tables. They mirror the schema that migrations.py builds; no I/O here.

Times and lists go through netkeep.dialect's types: the same Python values on SQLite and
PostgreSQL (naive UTC datetimes as SQLite gives them, lists of strings).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, FetchedValue
from sqlmodel import Field, SQLModel

from netkeep.dialect import JsonList, UtcDateTime


class Contact(SQLModel, table=True):
    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    emails: list[str] = Field(default_factory=list, sa_column=Column(JsonList, nullable=False))
    phone: str | None = None
    company: str | None = None
    title: str | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JsonList, nullable=False))
    tier: str
    cadence: str | None = None  # the contact's own cadence (DUR text); None means its tier's
    note: str | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)  # aware UTC (stored as naive UTC text)
    archived: bool = False
    birthday: str | None = None  # "MM-DD", or "YYYY-MM-DD" when the year is known
    follow_up_on: str | None = None  # the local date ("YYYY-MM-DD") a follow-up is due
    follow_up_note: str | None = None
    # The highest touchpoint id when the follow-up was set: a later one with the contact closes it.
    follow_up_after: int | None = None
    snoozed_until: str | None = None  # the local date ("YYYY-MM-DD") the contact is back


class Touchpoint(SQLModel, table=True):
    __tablename__ = "touchpoint"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    occurred_at: datetime = Field(sa_type=UtcDateTime)  # aware UTC (stored as naive UTC text)
    channel: str
    direction: str  # "out": you initiated; "in": they did
    two_way: bool
    note: str | None = None
    source: str | None = None  # the export it was captured from; None when typed
    source_key: str | None = None  # stable within its source, so re-imports add nothing
    no_reply: bool = False  # inbound that needs no reply: it closes a thread
    # Who logged it: the database's default (`me` in a file, the member's role on a server), so
    # left unset (None) when written; a server refuses a name other than the writer's own.
    logged_by: str | None = Field(default=None, sa_column_kwargs={"server_default": FetchedValue()})


class Ask(SQLModel, table=True):
    __tablename__ = "ask"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    touchpoint_id: int | None = Field(default=None, foreign_key="touchpoint.id")
    asked_by: str  # "me" or "them" (the key `by` in JSON)
    what: str
    status: str = "open"
    opened_at: datetime = Field(sa_type=UtcDateTime)  # aware UTC (stored as naive UTC text)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Give(SQLModel, table=True):
    __tablename__ = "give"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    touchpoint_id: int | None = Field(default=None, foreign_key="touchpoint.id")
    given_by: str  # "me" or "them" (the key `by` in JSON)
    what: str
    given_at: datetime = Field(sa_type=UtcDateTime)  # aware UTC (stored as naive UTC text)
    fulfils: int | None = Field(default=None, foreign_key="ask.id")  # the ask this give did


def saved_id(row: Contact | Touchpoint | Ask | Give) -> int:
    """The id of a row that is in the database (SQLModel types ids as optional until then)."""
    if row.id is None:
        raise ValueError(f"this {type(row).__name__} has not been saved yet")
    return row.id
