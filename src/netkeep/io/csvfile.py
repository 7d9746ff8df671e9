"""Contacts as CSV: generic spreadsheets, Google Contacts, LinkedIn Connections.csv, and netkeep's export.

Columns are recognised by their header, case-insensitively (see `_ROLES` and docs/import-export.md);
unknown columns are ignored. Every row must have as many cells as the header, so a stray unquoted comma
refuses the file instead of shifting a phone number into the company column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import IO, Any

from netkeep.errors import BadInput
from netkeep.io.detect import is_linkedin_header, is_linkedin_preamble
from netkeep.io.records import (
    ContactIn,
    check_emails,
    clean,
    fail,
    join_note,
    other_phones_line,
    pick_name,
    unique,
)
from netkeep.text import LIST_SEPARATOR, defuse, undefuse
from netkeep.vocab import CONTACT_FIELDS

# The columns of `export --format csv`, in order: the stored contact fields.
CSV_COLUMNS = CONTACT_FIELDS

_ROLES = {
    "name": {"name", "full name", "display name", "contact name", "contact"},
    "first": {"first name", "firstname", "given name", "first", "forename"},
    "middle": {"middle name", "additional name", "middle"},
    "last": {"last name", "lastname", "family name", "surname", "last"},
    "prefix": {"name prefix", "prefix", "honorific prefix"},
    "suffix": {"name suffix", "suffix", "honorific suffix"},
    "nickname": {"nickname", "nick name"},
    "company": {
        "company",
        "company name",
        "organization",
        "organisation",
        "organization name",
        "organisation name",
        "organization 1 - name",
        "org",
        "employer",
    },
    "department": {"department", "organization department", "organization 1 - department"},
    "title": {
        "title",
        "job title",
        "position",
        "role",
        "organization title",
        "organization 1 - title",
    },
    "tags": {
        "tags",
        "tag",
        "labels",
        "label",
        "groups",
        "group membership",
        "categories",
        "category",
    },
    "tier": {"tier"},
    "cadence": {"cadence"},
    "note": {"note", "notes", "comment", "comments"},
    "created_at": {"created at", "created", "connected on", "date added"},
    "archived": {"archived"},
    "birthday": {"birthday", "bday", "birth date", "date of birth"},
    "url": {"url", "profile url", "linkedin url", "linkedin"},
}
_EMAIL_HEADER = re.compile(
    r"^(?:(?:primary|work|home|other|personal|business)\s+)?e-?mails?"
    r"(?:\s+\d+)?(?:\s+address(?:es)?)?(?:\s+\d+)?(?:\s+-\s+value)?$"
)
_PHONE_HEADER = re.compile(
    r"^(?:(?:primary|mobile|work|home|business|other|cell|main)\s+)?(?:phone|telephone|tel|mobile|cell)"
    r"(?:\s+numbers?)?(?:\s+\d+)?(?:\s+-\s+value)?$"
)
_JOB_TITLE_HEADERS = _ROLES["title"] - {"title"}
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n", ""}


def _normalise(header: str) -> str:
    return " ".join(header.replace("_", " ").split()).lower()


def _role(header: str, *, has_job_title: bool) -> str | None:
    if header == "title" and has_job_title:
        return "prefix"  # Outlook: "Title" is Mr./Dr. when "Job Title" is there too
    for role, names in _ROLES.items():
        if header in names:
            return role
    if _EMAIL_HEADER.match(header):
        return "emails"
    if _PHONE_HEADER.match(header):
        return "phones"
    return None


# --- reading -------------------------------------------------------------------------------------


def parse_csv(text: str, label: str) -> list[ContactIn]:
    """A CSV whose first row is a header. A LinkedIn export is recognised and read as one."""
    first_line = text.lstrip("\ufeff \t\r\n").splitlines()[0] if text.strip() else ""
    if is_linkedin_preamble(first_line) or is_linkedin_header(first_line.split(",")):
        return parse_linkedin(text, label)
    return _parse_table(text, label, linkedin=False)


def parse_linkedin(text: str, label: str) -> list[ContactIn]:
    """LinkedIn's Connections.csv: a "Notes:" preamble, then First Name, Last Name, URL, ...

    The profile URL and the Connected On date go into the note ("LinkedIn: URL (connected
    2023-02-03)"), the date also becomes created_at (when you met, as far as netkeep can know), and
    every contact gets the tag `linkedin`.
    """
    return _parse_table(text, label, linkedin=True)


def _records(text: str, label: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its cells); csv errors name that line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            hint = " (a quote is never closed?)" if "end of data" in str(exc) else ""
            raise fail(label, f"line {line}", f"malformed CSV: {exc}{hint}") from None
        yield line, record
        line = reader.line_num + 1


def _delimiter(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _parse_table(text: str, label: str, *, linkedin: bool) -> list[ContactIn]:
    text = text.lstrip("\ufeff")
    records = _records(text, label, _delimiter(_header_line(text, linkedin)))
    header: list[str] | None = None
    header_line = 0
    for line, record in records:
        if linkedin and not is_linkedin_header(record):
            if line > 20:
                break
            continue  # the "Notes:" preamble and the blank line after it
        if not any(cell.strip() for cell in record):
            continue
        header, header_line = record, line
        break
    if header is None:
        what = "a LinkedIn header (First Name, Last Name, URL, ...)" if linkedin else "a header row"
        raise BadInput(f"{label}: no {what} found")
    names = [_normalise(h) for h in header]
    has_job_title = any(n in _JOB_TITLE_HEADERS for n in names)
    roles = [_role(n, has_job_title=has_job_title) for n in names]
    if not {"name", "first", "last", "emails", "company"} & set(roles):
        raise fail(
            label,
            f"line {header_line}",
            "no name or email column in the header (expected e.g. name, first name, email)",
        )
    contacts = []
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise fail(
                label,
                f"line {line}",
                f"{len(record)} cells where the header has {len(header)} (an unquoted comma?)",
            )
        contacts.append(_contact(record, roles, label, f"line {line}", linkedin=linkedin))
    return contacts


def _header_line(text: str, linkedin: bool) -> str:
    for line in text.splitlines():
        if not line.strip():
            continue
        if linkedin and not is_linkedin_header(line.split(",")):
            continue
        return line
    return ""


def _split_list(cell: str) -> list[str]:
    """`a; b`, `a, b`, or Google's `a ::: b`."""
    if ":::" in cell:
        return cell.split(":::")
    return re.split(r"[;,]", cell)


def _contact(
    record: Sequence[str], roles: Sequence[str | None], label: str, source: str, *, linkedin: bool
) -> ContactIn:
    single: dict[str, str] = {}
    emails: list[str] = []
    phones: list[str] = []
    tags: list[str] = []
    for role, raw in zip(roles, record, strict=True):
        if role is None:
            continue
        cell = undefuse(raw).strip()
        if not cell:
            continue
        if role == "emails":
            emails.extend(t for t in re.split(r"[\s,;]+", cell) if t and t != ":::")
        elif role == "phones":
            phones.extend(p for p in cell.split(":::"))
        elif role == "tags":
            # Google marks its system labels with "* ": "* myContacts" is on every contact.
            tags.extend(t.strip().removeprefix("* ") for t in _split_list(cell))
        else:
            single.setdefault(role, cell)
    checked_emails = check_emails(emails, label=label, source=source)
    phone_list = list(unique(phones))
    phone = phone_list[0] if phone_list else None
    company = clean(", ".join(c for c in (single.get("company"), single.get("department")) if c))
    name = pick_name(
        full=single.get("name"),
        parts=[single.get(p) for p in ("prefix", "first", "middle", "last", "suffix")],
        nickname=single.get("nickname"),
        company=company,
        emails=checked_emails,
        phone=phone,
    )
    if name is None:
        raise fail(label, source, "no name, company, email or phone to file the contact under")
    created_at = _date(single.get("created_at"), label, source) if "created_at" in single else None
    note = single.get("note")
    tag_list = [t for t in tags if t.casefold() != "mycontacts"]
    if linkedin:
        url = single.get("url")
        connected = f"connected {created_at.astimezone().date()}" if created_at else None
        if url or connected:
            linkedin_line = "LinkedIn: " + (
                f"{url} ({connected})" if url and connected else url or connected or ""
            )
            note = join_note(note, linkedin_line)
        tag_list.append("linkedin")
    return ContactIn(
        name=name,
        emails=checked_emails,
        phone=phone,
        company=company,
        title=single.get("title"),
        tags=unique(tag_list),
        tier=single.get("tier"),
        note=join_note(note, other_phones_line(phone_list[1:])),
        created_at=created_at,
        cadence=single.get("cadence"),
        archived=_flag(single.get("archived"), label, source),
        birthday=_birthday(single.get("birthday"), label, source),
        source=source,
    )


def _birthday(text: str | None, label: str, source: str) -> str | None:
    from netkeep.agenda import parse_birthday

    if text is None:
        return None
    try:
        return parse_birthday(text)
    except BadInput as exc:
        raise fail(label, source, str(exc)) from None


def _date(text: str | None, label: str, source: str) -> datetime | None:
    """ISO 8601, LinkedIn's `03 Feb 2023`, or anything dateutil reads; naive means local time."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.strptime(text, "%d %b %Y")
        except ValueError:
            from dateutil import parser

            try:
                moment = parser.parse(text)
            except (ValueError, OverflowError):
                raise fail(label, source, f"not a date: {text!r}") from None
    return moment.astimezone(UTC)


def _flag(text: str | None, label: str, source: str) -> bool | None:
    if text is None:
        return None
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise fail(label, source, f"archived must be true or false, not {text!r}")


# --- writing -------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        moment: datetime = value if value.tzinfo else value.replace(tzinfo=UTC)  # naive = UTC
        return moment.astimezone(UTC).isoformat()
    if isinstance(value, list | tuple):
        return defuse(LIST_SEPARATOR.join(str(v) for v in value))
    return defuse(str(value))


def write_csv(
    contacts: Iterable[dict[str, Any]], fh: IO[str], *, columns: Sequence[str] = CSV_COLUMNS
) -> None:
    """Contacts as CSV with a header row; formula-like cells defused. Open `fh` with newline=""."""
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(columns)
    for contact in contacts:
        writer.writerow([_cell(contact.get(column)) for column in columns])
