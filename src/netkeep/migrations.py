"""Ordered, append-only schema migrations with their SQL written out.

Never import today's models here: each step describes the schema as it was when the step was written.
A step and its record in `netkeep_migrations` are applied in one transaction (see db.migrate), with
foreign key enforcement off so that a table can be rebuilt (SQLite's documented procedure: create the
new table, copy, drop the old one, rename); the runner checks every foreign key before committing.
Times are stored as naive UTC text ('YYYY-MM-DD HH:MM:SS.ffffff'), which sorts chronologically.
"""

from collections.abc import Callable

MIGRATIONS: list[tuple[str, str]] = []


def migration(sql: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(fn: Callable[[], None]) -> Callable[[], None]:
        MIGRATIONS.append((fn.__name__, sql))
        return fn

    return register


@migration(
    """
    CREATE TABLE contact (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        emails JSON NOT NULL DEFAULT '[]',
        phone TEXT,
        company TEXT,
        title TEXT,
        tags JSON NOT NULL DEFAULT '[]',
        tier TEXT NOT NULL,
        cadence TEXT,
        note TEXT,
        created_at DATETIME NOT NULL,
        archived BOOLEAN NOT NULL DEFAULT 0
    );
    CREATE INDEX ix_contact_name ON contact (name COLLATE NOCASE);

    CREATE TABLE touchpoint (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
        occurred_at DATETIME NOT NULL,
        channel TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        two_way BOOLEAN NOT NULL,
        note TEXT,
        give TEXT
    );
    -- Covers the per-contact aggregates (last touch, last reply) without touching the table.
    CREATE INDEX ix_touchpoint_contact_time
        ON touchpoint (contact_id, occurred_at, direction, two_way);

    CREATE TABLE ask (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
        touchpoint_id INTEGER REFERENCES touchpoint (id) ON DELETE CASCADE,
        asked_by TEXT NOT NULL CHECK (asked_by IN ('me', 'them')),
        what TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'declined')),
        opened_at DATETIME NOT NULL,
        resolved_at DATETIME
    );
    CREATE INDEX ix_ask_contact ON ask (contact_id, status);
    CREATE INDEX ix_ask_touchpoint ON ask (touchpoint_id);
    """
)
def m001_initial() -> None:
    """Contacts, touchpoints and asks."""


@migration(
    """
    -- Scoring reads every touchpoint in (contact, time) order with its channel and give: with
    -- those in the index the read never leaves it. It replaces m001's index, a prefix of it.
    CREATE INDEX ix_touchpoint_history
        ON touchpoint (contact_id, occurred_at, direction, two_way, channel, give);
    DROP INDEX ix_touchpoint_contact_time;
    """
)
def m002_touchpoint_history_index() -> None:
    """A covering index for reading whole histories."""


@migration(
    """
    -- AUTOINCREMENT: an id, once given, is never given again, even after its row is deleted (by
    -- rm or undo), so a script that remembers #46 never reaches a different record. SQLite only
    -- sets it when a table is created: each table is rebuilt with every row, index and key.
    CREATE TABLE contact_rebuilt (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        emails JSON NOT NULL DEFAULT '[]',
        phone TEXT,
        company TEXT,
        title TEXT,
        tags JSON NOT NULL DEFAULT '[]',
        tier TEXT NOT NULL,
        cadence TEXT,
        note TEXT,
        created_at DATETIME NOT NULL,
        archived BOOLEAN NOT NULL DEFAULT 0
    );
    INSERT INTO contact_rebuilt (id, name, emails, phone, company, title, tags, tier, cadence,
                                 note, created_at, archived)
        SELECT id, name, emails, phone, company, title, tags, tier, cadence, note, created_at,
               archived FROM contact;
    DROP TABLE contact;
    ALTER TABLE contact_rebuilt RENAME TO contact;
    CREATE INDEX ix_contact_name ON contact (name COLLATE NOCASE);

    CREATE TABLE touchpoint_rebuilt (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
        occurred_at DATETIME NOT NULL,
        channel TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        two_way BOOLEAN NOT NULL,
        note TEXT,
        give TEXT
    );
    INSERT INTO touchpoint_rebuilt (id, contact_id, occurred_at, channel, direction, two_way,
                                    note, give)
        SELECT id, contact_id, occurred_at, channel, direction, two_way, note, give
        FROM touchpoint;
    DROP TABLE touchpoint;
    ALTER TABLE touchpoint_rebuilt RENAME TO touchpoint;
    CREATE INDEX ix_touchpoint_history
        ON touchpoint (contact_id, occurred_at, direction, two_way, channel, give);

    CREATE TABLE ask_rebuilt (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
        touchpoint_id INTEGER REFERENCES touchpoint (id) ON DELETE CASCADE,
        asked_by TEXT NOT NULL CHECK (asked_by IN ('me', 'them')),
        what TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'declined')),
        opened_at DATETIME NOT NULL,
        resolved_at DATETIME
    );
    INSERT INTO ask_rebuilt (id, contact_id, touchpoint_id, asked_by, what, status, opened_at,
                             resolved_at)
        SELECT id, contact_id, touchpoint_id, asked_by, what, status, opened_at, resolved_at
        FROM ask;
    DROP TABLE ask;
    ALTER TABLE ask_rebuilt RENAME TO ask;
    CREATE INDEX ix_ask_contact ON ask (contact_id, status);
    CREATE INDEX ix_ask_touchpoint ON ask (touchpoint_id);
    """
)
def m003_ids_never_reused() -> None:
    """Contacts, touchpoints and asks never give an id twice."""


@migration(
    """
    -- The undo journal (see netkeep.journal): one row per write command, with the AUTOINCREMENT
    -- counters as it began (JSON object: table -> last id given), and the statements that
    -- reverse its changes, replayed newest first.
    CREATE TABLE undo_command (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        summary TEXT NOT NULL,
        recorded_at DATETIME NOT NULL,
        marks JSON NOT NULL DEFAULT '{}'
    );
    CREATE TABLE undo_step (
        id INTEGER PRIMARY KEY,
        command_id INTEGER NOT NULL REFERENCES undo_command (id) ON DELETE CASCADE,
        statement TEXT NOT NULL
    );
    CREATE INDEX ix_undo_step_command ON undo_step (command_id, id);
    """
)
def m004_undo_journal() -> None:
    """What each write command changed, so that undo can reverse it."""


@migration(
    """
    -- Touchpoints captured from exported files remember where they came from: the source
    -- ('mbox', 'linkedin', ...) and a key stable across re-imports (a Message-ID, a call's number
    -- and time). Typed touchpoints have neither. The unique index makes a re-import add nothing.
    ALTER TABLE touchpoint ADD COLUMN source TEXT;
    ALTER TABLE touchpoint ADD COLUMN source_key TEXT;
    CREATE UNIQUE INDEX ix_touchpoint_source_key ON touchpoint (source, source_key)
        WHERE source_key IS NOT NULL;
    """
)
def m005_touchpoint_source() -> None:
    """Where a captured touchpoint came from, unique per source."""


@migration(
    """
    -- Asks may also end withdrawn (moot: nobody owes anything). SQLite cannot change a CHECK in
    -- place, so the table is rebuilt with the same rows, ids and counter.
    CREATE TABLE ask_ledger (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
        touchpoint_id INTEGER REFERENCES touchpoint (id) ON DELETE CASCADE,
        asked_by TEXT NOT NULL CHECK (asked_by IN ('me', 'them')),
        what TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open'
            CHECK (status IN ('open', 'done', 'declined', 'withdrawn')),
        opened_at DATETIME NOT NULL,
        resolved_at DATETIME
    );
    INSERT INTO ask_ledger (id, contact_id, touchpoint_id, asked_by, what, status, opened_at,
                            resolved_at)
        SELECT id, contact_id, touchpoint_id, asked_by, what, status, opened_at, resolved_at
        FROM ask ORDER BY id;
    -- Keep the counter (one row: the copy above may have started one): an id given once, and
    -- since deleted, is never given again.
    DELETE FROM sqlite_sequence WHERE name = 'ask_ledger';
    INSERT INTO sqlite_sequence (name, seq)
        SELECT 'ask_ledger', seq FROM sqlite_sequence WHERE name = 'ask'
        ORDER BY seq DESC LIMIT 1;
    DROP TABLE ask;
    ALTER TABLE ask_ledger RENAME TO ask;
    CREATE INDEX ix_ask_contact ON ask (contact_id, status);
    CREATE INDEX ix_ask_touchpoint ON ask (touchpoint_id);

    -- Gives by either side, on a touchpoint or none, optionally naming the ask they fulfil.
    CREATE TABLE give (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
        touchpoint_id INTEGER REFERENCES touchpoint (id) ON DELETE CASCADE,
        given_by TEXT NOT NULL CHECK (given_by IN ('me', 'them')),
        what TEXT NOT NULL,
        given_at DATETIME NOT NULL,
        fulfils INTEGER REFERENCES ask (id) ON DELETE SET NULL
    );
    CREATE INDEX ix_give_contact ON give (contact_id, given_at);
    CREATE INDEX ix_give_touchpoint ON give (touchpoint_id);
    CREATE INDEX ix_give_fulfils ON give (fulfils);

    -- A touchpoint's give was its initiator's: it moves to the ledger, in touchpoint order.
    INSERT INTO give (contact_id, touchpoint_id, given_by, what, given_at)
        SELECT contact_id, id, CASE direction WHEN 'out' THEN 'me' ELSE 'them' END, give,
               occurred_at
        FROM touchpoint WHERE give IS NOT NULL ORDER BY id;
    -- A give from the asked side at the moment that side's ask was resolved done is the favour
    -- that resolved it: link them, so that they count once.
    UPDATE give SET fulfils = (
        SELECT a.id FROM ask a
        WHERE a.contact_id = give.contact_id AND a.status = 'done'
          AND a.asked_by <> give.given_by AND a.resolved_at = give.given_at
        ORDER BY a.id LIMIT 1
    );

    -- An inbound touchpoint that needs no reply (an answer, a thank-you).
    ALTER TABLE touchpoint ADD COLUMN no_reply BOOLEAN NOT NULL DEFAULT 0;
    DROP INDEX ix_touchpoint_history;
    ALTER TABLE touchpoint DROP COLUMN give;
    -- The covering index for reading whole histories, now with no_reply instead of the give.
    CREATE INDEX ix_touchpoint_history
        ON touchpoint (contact_id, occurred_at, direction, two_way, channel, no_reply);
    """
)
def m006_favour_ledger() -> None:
    """Asks and gives by either side; withdrawn asks; touchpoints that need no reply."""
