"""The network at a moment: the rows `stale`, `score`, `owe`, `asks`, `digest`, `show` and `report`
print, put together from the store's reads and the domain's rules.

This is netkeep's front door for Python scripts (docs/api.md), and the commands are its first
client: they parse, call a method here, and render what it returns.

    from netkeep.network import Network

    with Network.open() as network:            # the default database; or a path, or a server URL
        for row in network.stale():
            print(row["name"], row["days_overdue"])

Each method follows the same route:
1. read the rows it needs in the store (aggregates in SQL; one streamed read of the histories
   when it scores);
2. apply the domain's pure rules (netkeep.staleness, netkeep.scoring, netkeep.digest,
   netkeep.report) at the network's moment;
3. return plain dicts keyed as netkeep's JSON (docs/reference.md), times as aware UTC datetimes.

`as_of` shows the network as it stood then: every read is narrowed to what had happened by that
time, and the figures are computed at it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlmodel import Session

    from netkeep.config import Settings
    from netkeep.digest import Digest
    from netkeep.models import Contact


DUE_AHEAD_DAYS = 7  # how far ahead `show` and `report` list what is due


@dataclass
class Network:
    """One read of the network, in one transaction (`session`), at one moment.

    `now` is the present; `as_of`, when given, a past time to see the network as it stood then.
    `mine` narrows stale, owe, asks and the digest to the contacts the running member has logged
    with (on a team server; a file has one member).
    """

    session: Session
    settings: Settings
    now: datetime
    as_of: datetime | None = None
    mine: bool = False

    @classmethod
    @contextlib.contextmanager
    def open(
        cls,
        target: str | Path | None = None,
        *,
        now: datetime | None = None,
        as_of: datetime | None = None,
        settings: Settings | None = None,
    ) -> Iterator[Network]:
        """The network of a database, read-only: `target` is a SQLite file's path or a server's
        URL (default: where netkeep keeps it, as the commands choose: $NETKEEP_DATABASE_URL,
        $NETKEEP_DB, then the user data folder). A missing file reads as an empty network."""
        from netkeep import dates
        from netkeep.config import load_settings
        from netkeep.db import open_session
        from netkeep.db_path import database_target

        if isinstance(target, str) and "://" in target:
            chosen = database_target(url_option=target)
        else:
            chosen = database_target(db_option=target)
        with open_session(chosen, write=False) as session:
            yield cls(
                session,
                settings=settings or load_settings(),
                now=now or dates.now(),
                as_of=as_of,
            )

    @property
    def moment(self) -> datetime:
        """The time the figures are computed at: `as_of`, else now."""
        return self.as_of or self.now

    @property
    def awake_on(self) -> str | None:
        """The day snoozes are judged on (`YYYY-MM-DD`, local): today. A snooze is today's
        choice, so a look back (`as_of`) shows everyone as they stood then."""
        return None if self.as_of else self.now.astimezone().date().isoformat()

    def due(self, *, days: int = 0, contact_id: int | None = None) -> list[dict[str, Any]]:
        """What is due by the end of today + `days` (netkeep.agenda): follow-ups, birthdays and
        snoozes ending, overdue first; one contact's with `contact_id`."""
        from netkeep.agenda import due_items, local_today
        from netkeep.store import agenda

        rows = agenda.agenda_rows(self.session, contact_id=contact_id)
        return [item.row() for item in due_items(rows, today=local_today(self.now), days=days)]

    # --- staleness ----------------------------------------------------------------------------

    def stale(
        self,
        *,
        days: int | None = None,
        tag: str | None = None,
        tier: str | None = None,
        rhythm: bool = False,
    ) -> list[dict[str, Any]]:
        """Contacts gone quiet past their cadence (or `days`), most overdue first; with `rhythm`,
        also those silent for over three times their usual interval (rows gain `reason` and
        `usual_interval_days`)."""
        from netkeep.staleness import rhythm_rows, stale_rows
        from netkeep.store import contacts

        candidates = contacts.staleness_rows(
            self.session,
            tag=tag,
            tier=tier,
            as_of=self.as_of,
            mine=self.mine,
            awake_on=self.awake_on,
        )
        rows = stale_rows(candidates, now=self.moment, settings=self.settings, days=days)
        if not rhythm:
            return rows
        for row in rows:
            row["reason"], row["usual_interval_days"] = "cadence", None
        if days is None:
            usual = self.usual_intervals({contact["id"] for contact in candidates})
            rows += rhythm_rows(candidates, usual, now=self.moment, settings=self.settings)
        return rows

    def usual_intervals(self, wanted: set[int]) -> dict[int, timedelta | None]:
        """Each wanted contact's usual interval between touches (scoring's rhythm)."""
        from netkeep.scoring import rhythm
        from netkeep.store import histories

        return {
            cid: rhythm(tps, now=self.moment, settings=self.settings.scoring).usual_interval
            for cid, tps in histories.active_histories(self.session, as_of=self.as_of)
            if cid in wanted
        }

    # --- reciprocity --------------------------------------------------------------------------

    def start_scores(
        self, *, bands: Collection[str] | None = None
    ) -> Callable[[], list[dict[str, Any]]]:
        """Start scoring every active contact (over several processes on a large network) and
        return the function that waits for the rows, so other reads can go on meanwhile.
        `bands`: explain only the rows in these bands."""
        from netkeep.store import scores

        return scores.start_score_rows(
            self.session, now=self.moment, settings=self.settings, as_of=self.as_of, bands=bands
        )

    def scores(
        self, *, contact_id: int | None = None, member: str | None = None, explain: bool = True
    ) -> list[dict[str, Any]]:
        """Score rows (docs/reference.md), of one contact or of all; `member`: one team member's
        history only; without `explain`, no row's explanation is written (None)."""
        from netkeep.store import scores

        return scores.score_rows(
            self.session,
            now=self.moment,
            settings=self.settings,
            contact_id=contact_id,
            as_of=self.as_of,
            member=member,
            explain=explain,
        )

    # --- the ledger ---------------------------------------------------------------------------

    def owe(self) -> list[dict[str, Any]]:
        """Their outreach you have not followed, and their open asks, oldest first."""
        from netkeep.dates import days_between
        from netkeep.store import ledger

        rows = ledger.owe_rows(
            self.session,
            window=self.settings.scoring.response_window,
            as_of=self.as_of,
            mine=self.mine,
        )
        for row in rows:
            row["days_waiting"] = max(0, days_between(row["occurred_at"], self.moment))
        return rows

    def asks(
        self,
        *,
        contact_id: int | None = None,
        include_resolved: bool = False,
        by: str | None = None,
    ) -> list[dict[str, Any]]:
        """Asks (open ones, or all), each with the days it has been open."""
        from netkeep.store import ledger

        rows = ledger.ask_rows(
            self.session,
            contact_id=contact_id,
            include_resolved=include_resolved,
            by=by,
            as_of=self.as_of,
            mine=self.mine,
        )
        return with_days_open(rows, self.moment)

    # --- what needs attention -----------------------------------------------------------------

    def digest(self, *, limit: int | None = None) -> Digest:
        """Reach out, you owe, waiting on, watch and due, as the `digest` command prints them."""
        from netkeep.agenda import digest_due, local_today
        from netkeep.digest import WATCH_BANDS, build_digest
        from netkeep.staleness import stale_rows
        from netkeep.store import agenda, contacts, ledger

        # Only the watch list needs score rows: the other contacts are not even explained.
        scoring = self.start_scores(bands=WATCH_BANDS)
        candidates = contacts.staleness_rows(
            self.session, as_of=self.as_of, mine=self.mine, awake_on=self.awake_on
        )
        due = digest_due(agenda.agenda_rows(self.session), today=local_today(self.moment))
        owe = ledger.owe_rows(
            self.session,
            window=self.settings.scoring.response_window,
            as_of=self.as_of,
            mine=self.mine,
        )
        my_open_asks = ledger.ask_rows(self.session, by="me", as_of=self.as_of, mine=self.mine)
        # Worked out while the scoring processes run, not after them.
        stale = stale_rows(candidates, now=self.moment, settings=self.settings)
        score_list = scoring()
        if self.mine:
            # Watch the contacts you have logged with (the score stays the team's).
            logged = {row["id"] for row in candidates}
            score_list = [row for row in score_list if row["id"] in logged]
        return build_digest(
            stale=stale,
            owe=owe,
            my_open_asks=my_open_asks,
            scores=score_list,
            now=self.moment,
            limit=limit,
            due=due,
        )

    # --- one contact --------------------------------------------------------------------------

    def profile(self, contact: Contact, *, history: bool = False) -> dict[str, Any]:
        """The `show` object: the contact, its touchpoints (newest first), asks, gives, score row
        and rhythm, all from one read of the contact's history; `history` adds the score's path
        over time."""
        from netkeep import timeline
        from netkeep.models import saved_id
        from netkeep.scoring import answered_flags, rhythm, score_contact
        from netkeep.store import contacts, histories, ledger, touchpoints
        from netkeep.vocab import ASK_KEYS, GIVE_KEYS, TOUCHPOINT_KEYS

        config = self.settings.scoring
        asks = self.asks_of(saved_id(contact))
        gives = ledger.give_rows(self.session, contact_id=saved_id(contact), as_of=self.as_of)
        touches = touchpoints.touchpoints_of(
            self.session, saved_id(contact), asks=asks, gives=gives, as_of=self.as_of
        )
        # The same records `score` builds from its bulk read: gives only as GiveRecords.
        records = histories.touchpoint_records(touches)
        ask_records, give_records = histories.ledger_records(asks, gives)
        window = self.settings.response_window.timedelta
        flags = answered_flags(records, now=self.moment, window=window)
        for touchpoint, answered in zip(touches, flags, strict=True):
            touchpoint["answered"] = answered
        last = touches[-1]["occurred_at"] if touches else None
        data = contacts.contact_dict(contact, last_touch=last)
        data["touchpoints"] = [{key: t.get(key) for key in TOUCHPOINT_KEYS} for t in touches[::-1]]
        data["asks"] = [{key: a.get(key) for key in ASK_KEYS} for a in asks]
        data["gives"] = [{key: g.get(key) for key in GIVE_KEYS} for g in gives]
        data["score"] = {
            "id": contact.id,
            "name": contact.name,
            **score_contact(
                records, ask_records, now=self.moment, settings=config, gives=give_records
            ),
        }
        self._add_agenda(data, contact)
        pace = rhythm(records, now=self.moment, settings=config)
        data["rhythm"] = {**timeline.rhythm_dict(pace), "text": timeline.rhythm_text(pace)}
        if history:
            data["history"] = timeline.score_path(
                records, ask_records, give_records, now=self.moment, settings=config
            )
        return data

    def _add_agenda(self, data: dict[str, Any], contact: Contact) -> None:
        """The contact's open follow-up, its snooze, and what is due for it in the next week."""
        from netkeep.store import agenda

        data["follow_up"] = agenda.open_follow_up(self.session, contact_id=contact.id)
        snoozed, today = contact.snoozed_until, self.now.astimezone().date().isoformat()
        data["snoozed_until"] = snoozed if snoozed and snoozed > today else None
        data["due"] = self.due(days=DUE_AHEAD_DAYS, contact_id=contact.id)

    def asks_of(self, contact_id: int) -> list[dict[str, Any]]:
        """Every ask of one contact, resolved ones too, with the days each was open."""
        from netkeep.store import ledger

        rows = ledger.ask_rows(
            self.session, contact_id=contact_id, include_resolved=True, as_of=self.as_of
        )
        return with_days_open(rows, self.moment)

    # --- the report ---------------------------------------------------------------------------

    def report(self, *, since: datetime, until: datetime, full: bool) -> dict[str, Any]:
        """The report's figures for the period from `since` to `until` (netkeep.report); `full`
        adds what only the page and JSON show (the map with who needs attention, whom you owe
        and whom to reach out to, the monthly band mix, the busiest relationships)."""
        from netkeep import report
        from netkeep.staleness import stale_rows
        from netkeep.store import contacts, reads

        calendar_from = min(since, until - timedelta(weeks=report.CALENDAR_WEEKS))
        scoring = self.start_scores()
        candidates = contacts.staleness_rows(self.session)
        asks = reads.ask_changes(self.session, since=since, until=until)
        days = reads.touch_days(self.session, since=calendar_from, until=until)
        period_days = reads.touch_days(self.session, since=since, until=until)
        extra: dict[str, Any] = {}
        if full:
            extra["heard"] = reads.last_heard(self.session)
            extra["busiest"] = self.busiest(since=until - timedelta(days=365), until=until)
            months = report.month_ends(until)
            tallies = reads.band_history(
                self.session, moments=[end for _label, end in months], settings=self.settings
            )
            extra["monthly_bands"] = report.monthly_mix([label for label, _ in months], tallies)
        score_list = scoring()
        figures: dict[str, Any] = {
            "as_of": self.moment,
            "since": since,
            "until": until,
            "bands": report.band_mix(score_list),
            "dormancy": report.dormancy(candidates, now=self.moment),
            "calendar": report.calendar(
                days,
                first=calendar_from.astimezone().date(),
                last=(until - timedelta(microseconds=1)).astimezone().date(),
            ),
            "calendar_levels": [],
            "changes": report.changes(
                period_days=period_days,
                stale=stale_rows(candidates, now=self.moment, settings=self.settings),
                asks=asks,
                since=since,
                until=until,
            ),
        }
        figures["calendar_levels"] = report.heat_levels(figures["calendar"])
        figures["due"] = self.due(days=DUE_AHEAD_DAYS)  # the page lists it under the map
        if full:
            # The page's lists under the map, as `owe` and the digest's reach-out list give them.
            figures["you_owe"] = self.owe()
            figures["reach_out"] = self.stale()
            figures["map"] = report.attention(
                report.reciprocity_map(score_list, extra["heard"], now=self.moment),
                due=figures["due"],
                you_owe=figures["you_owe"],
                reach_out=figures["reach_out"],
            )
            figures["monthly_bands"] = extra["monthly_bands"]
            figures["busiest"] = extra["busiest"]
        return figures

    def busiest(self, *, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """The busiest relationships of the period, each with its touches marked answered or not
        by the rule `show` uses."""
        from netkeep import report
        from netkeep.scoring import answered_flags
        from netkeep.store import histories, ledger, reads, touchpoints

        window = self.settings.response_window.timedelta
        result = []
        busiest = reads.busiest_contacts(self.session, since=since, limit=report.BUSIEST)
        for contact_id, name, _count in busiest:
            asks = ledger.ask_rows(self.session, contact_id=contact_id, include_resolved=True)
            gives = ledger.give_rows(self.session, contact_id=contact_id)
            touches = [
                t
                for t in touchpoints.touchpoints_of(
                    self.session, contact_id, asks=asks, gives=gives
                )
                if t["occurred_at"] < until
            ]
            records = histories.touchpoint_records(touches)
            flags = answered_flags(records, now=until, window=window)
            result.append(report.small_multiple(contact_id, name, touches, flags, until=until))
        return result


def with_days_open(rows: list[dict[str, Any]], moment: datetime) -> list[dict[str, Any]]:
    """Asks with `days_open`: from opening to resolving, or to `moment` while open."""
    from netkeep.dates import days_between

    for row in rows:
        end = row["resolved_at"] or moment
        row["days_open"] = max(0, days_between(row["opened_at"], end))
    return rows
