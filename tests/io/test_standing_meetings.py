"""A recurring calendar series is one standing tie: whoever set it up started it once, and its
occurrences keep the relationship warm without tipping who carries it."""

from __future__ import annotations

ME = ("--me-email", "alex@me.example")


def calendar(tmp_path, *events: str) -> str:
    path = tmp_path / "calendar.ics"
    path.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + "".join(events) + "END:VCALENDAR\n"
    )
    return str(path)


def weekly(uid: str, start: str, count: int, organizer: str = "nia@client.example") -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nSUMMARY:Hiring sync\nDTSTART:{start}\nDTEND:{start}\n"
        f"RRULE:FREQ=WEEKLY;COUNT={count}\nORGANIZER;CN=Nia Patel:mailto:{organizer}\n"
        "ATTENDEE;CN=Nia Patel;PARTSTAT=ACCEPTED:mailto:nia@client.example\n"
        "ATTENDEE;CN=Alex Me;PARTSTAT=ACCEPTED:mailto:alex@me.example\nEND:VEVENT\n"
    )


def cancelled(uid: str, when: str) -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nRECURRENCE-ID:{when}\nSUMMARY:Hiring sync\nDTSTART:{when}\n"
        f"DTEND:{when}\nSTATUS:CANCELLED\nORGANIZER;CN=Nia Patel:mailto:nia@client.example\n"
        "END:VEVENT\n"
    )


def declined(uid: str, when: str) -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nSUMMARY:Extra review\nDTSTART:{when}\nDTEND:{when}\n"
        "ORGANIZER;CN=Nia Patel:mailto:nia@client.example\n"
        "ATTENDEE;CN=Alex Me;PARTSTAT=DECLINED:mailto:alex@me.example\nEND:VEVENT\n"
    )


def balanced_month(cli) -> None:
    """A mutual history, typed: both sides reach out, both answer."""
    cli.ok("add", "Nia Patel", "--email", "nia@client.example")
    for day, side in (("01", "--out"), ("08", "--in"), ("15", "--out"), ("22", "--in")):
        cli.ok("log", "nia", side, "--via", "call", "--when", f"2026-01-{day} 10:00")


def test_a_weekly_series_is_started_once_and_tips_nothing(cli, tmp_path):
    balanced_month(cli)
    [before] = cli.json("score")
    path = calendar(
        tmp_path,
        weekly("sync-1", "20260302T150000Z", 12),
        cancelled("sync-1", "20260316T150000Z"),
        declined("review-1", "20260320T150000Z"),
    )
    result = cli.ok("import", path, *ME)
    assert "1 cancelled" in result.stderr and "1 declined" in result.stderr
    meetings = [t for t in cli.json("show", "nia")["touchpoints"] if t["channel"] == "meeting"]
    assert len(meetings) == 11  # 12 weekly, less the cancelled one; the declined one is not there
    assert all(t["two_way"] and t["direction"] == "in" for t in meetings)
    first = min(meetings, key=lambda t: t["occurred_at"])
    assert first["no_reply"] is False  # her setting up the series is her initiative
    assert all(t["no_reply"] for t in meetings if t is not first)
    [after] = cli.json("score")
    # One start of hers more: the balance barely moves, and the band stays.
    assert after["band"] == before["band"] == "mutual"
    assert after["initiative"] < 0.7  # 3 of 5 starts, the newest hers weighing most (not 9 of 12)
    assert "started 9 of 12" not in after["explanation"]
    assert after["touchpoints"] == 15


def test_a_renewed_series_is_her_initiative_again(cli, tmp_path):
    balanced_month(cli)
    path = calendar(
        tmp_path,
        weekly("sync-1", "20260302T150000Z", 4),
        weekly("sync-2", "20260406T150000Z", 4),
    )
    cli.ok("import", path, *ME)
    meetings = [t for t in cli.json("show", "nia")["touchpoints"] if t["channel"] == "meeting"]
    assert sum(not t["no_reply"] for t in meetings) == 2


def test_the_occurrences_keep_the_contact_warm(cli, tmp_path):
    balanced_month(cli)
    cli.ok("edit", "nia", "--every", "2w")
    assert [row["name"] for row in cli.json("stale")] == ["Nia Patel"]
    cli.ok("import", calendar(tmp_path, weekly("sync-1", "20260302T150000Z", 16)), *ME)
    assert cli.json("stale") == []  # the last occurrence, 15 June, is the last touch
