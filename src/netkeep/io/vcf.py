"""vCard 2.1, 3.0 and 4.0 in; vCard 4.0 out. The only module that imports vobject.

Reading works in two passes. The first is netkeep's own and line-based: it unfolds lines, joins
quoted-printable soft line breaks (which vobject rejects) and decodes quoted-printable values with their
CHARSET, splits the file into cards (so a missing END:VCARD is caught and every message can name the
card), and keeps only the properties netkeep stores. Everything else — PHOTO, LOGO, ADR, X-…, even
when malformed — is dropped before vobject sees it. The second pass hands each card's kept lines to
vobject, which handles escaping and structured values (N, ORG, CATEGORIES).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import vobject

from netkeep import __version__
from netkeep.errors import BadInput
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

# Properties netkeep reads; X-NETKEEP-* are netkeep's own (written by `export --format vcf`).
_KEPT = frozenset(
    {"VERSION", "FN", "N", "NICKNAME", "EMAIL", "TEL", "ORG", "TITLE", "NOTE", "CATEGORIES", "BDAY"}
)
_OWN_PREFIX = "X-NETKEEP-"
_PROPERTY_NAME = re.compile(r"^[A-Za-z0-9-]+$")
# Single text values: vobject keeps only the part before the first unescaped comma, and vCard 2.1
# (and many careless writers) never escape commas, so netkeep escapes them first.
_SINGLE_TEXT = frozenset({"FN", "NOTE", "TITLE", "EMAIL", "TEL"})
# Google adds this system group to every contact: it says nothing about the person.
_SYSTEM_CATEGORIES = frozenset({"mycontacts"})


@dataclass
class _Line:
    number: int  # the physical line it starts on, for messages
    text: str  # unfolded


@dataclass
class _Card:
    number: int
    line: int
    lines: list[_Line] = field(default_factory=list)

    @property
    def source(self) -> str:
        return f"card {self.number}"


# --- reading -------------------------------------------------------------------------------------


def parse_vcf(text: str, label: str) -> list[ContactIn]:
    """Every card of a vCard file as a ContactIn; any unreadable card refuses the whole file."""
    cards = _split_cards(_logical_lines(text), label)
    return [_read_card(card, label) for card in cards]


def _split_property(text: str) -> tuple[str, str, str]:
    """`item1.EMAIL;TYPE="a:b":x@y` → (head, ":", value); the colon inside quotes is not the split."""
    quoted = False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return text[:index], ":", text[index + 1 :]
    return text, "", ""


def _split_params(head: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in head:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _property_name(head: str) -> str:
    """Upper-case name without its group: `item1.EMAIL;type=pref` → `EMAIL`."""
    return _split_params(head)[0].rsplit(".", 1)[-1].strip().upper()


def _is_quoted_printable(text: str) -> bool:
    head, sep, _ = _split_property(text)
    return bool(sep) and "QUOTED-PRINTABLE" in head.upper()


def _logical_lines(text: str) -> list[_Line]:
    """Unfold continuation lines and join quoted-printable soft line breaks."""
    physical = re.split(r"\r\n|\r|\n", text)
    lines: list[_Line] = []
    index = 0
    while index < len(physical):
        raw = physical[index]
        index += 1
        if raw[:1] in (" ", "\t") and lines and lines[-1].text:
            lines[-1].text += raw[1:]
            continue
        line = _Line(index, raw if raw.strip() else "")
        lines.append(line)
        # A trailing "=" in a quoted-printable value continues it on the next line, whatever that
        # line starts with. A literal "=" is always encoded (=3D), so this cannot eat real text.
        while line.text.endswith("=") and index < len(physical) and _is_quoted_printable(line.text):
            line.text = line.text[:-1] + physical[index]
            index += 1
    return lines


def _split_cards(lines: list[_Line], label: str) -> list[_Card]:
    cards: list[_Card] = []
    current: _Card | None = None
    depth = 0  # >1 inside a vCard 2.1 AGENT card nested in the current one
    previous_name = ""
    for line in lines:
        if not line.text:
            continue
        head, _, value = _split_property(line.text)
        name = _property_name(head)
        is_vcard = value.strip().upper() == "VCARD"
        if name == "BEGIN" and is_vcard:
            if current is None:
                current = _Card(number=len(cards) + 1, line=line.number)
                depth = 1
            elif previous_name == "AGENT" or depth > 1:
                depth += 1
            else:
                raise fail(
                    label,
                    current.source,
                    f"no END:VCARD before the next BEGIN:VCARD on line {line.number}",
                )
        elif name == "END" and is_vcard:
            if current is None:
                raise fail(label, f"line {line.number}", "END:VCARD without a BEGIN:VCARD")
            depth -= 1
            if depth == 0:
                cards.append(current)
                current = None
        elif current is None:
            raise fail(label, f"line {line.number}", "text outside a vCard (expected BEGIN:VCARD)")
        elif depth == 1:
            current.lines.append(line)
        previous_name = name
    if current is not None:
        raise fail(label, current.source, "no END:VCARD (file truncated?)")
    if not cards:
        raise BadInput(f"{label}: no vCard in the file")
    return cards


def _kept_lines(card: _Card, label: str) -> list[str]:
    """The card's lines that netkeep reads, groups removed and quoted-printable decoded."""
    kept: list[str] = []
    in_ignored = False
    for line in card.lines:
        head, sep, value = _split_property(line.text)
        name = _property_name(head)
        if not sep or not _PROPERTY_NAME.match(name):
            # Lines of an ignored property that lost their indentation (a badly folded PHOTO) are
            # dropped with it; anywhere else such a line is damage we must not guess around.
            if in_ignored:
                continue
            shown = line.text if len(line.text) <= 40 else line.text[:37] + "..."
            raise fail(label, card.source, f"line {line.number}: not a vCard property: {shown!r}")
        in_ignored = name not in _KEPT and not name.startswith(_OWN_PREFIX)
        if in_ignored:
            continue
        params = _split_params(head)[1:]
        if any("QUOTED-PRINTABLE" in p.upper() for p in params):
            value, params = _decode_quoted_printable(value, params, card, line, label)
        if name in _SINGLE_TEXT or name.startswith(_OWN_PREFIX):
            value = _escape_commas(value)
        kept.append(";".join([name, *params]) + ":" + value)
    return kept


def _escape_commas(value: str) -> str:
    """Put a backslash before every comma that has none (an escaped backslash is not one)."""
    out = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            out.append(value[index : index + 2])
            index += 2
            continue
        out.append("\\," if char == "," else char)
        index += 1
    return "".join(out)


def _decode_quoted_printable(
    value: str, params: list[str], card: _Card, line: _Line, label: str
) -> tuple[str, list[str]]:
    charset = "utf-8"
    rest = []
    for param in params:
        upper = param.strip().upper()
        if upper.startswith("CHARSET="):
            charset = param.split("=", 1)[1].strip().strip('"') or charset
        elif upper not in ("QUOTED-PRINTABLE", "ENCODING=QUOTED-PRINTABLE"):
            rest.append(param)
    try:
        decoded = codecs.decode(value.encode("utf-8"), "quopri").decode(charset)
    except LookupError:
        raise fail(label, card.source, f"line {line.number}: unknown CHARSET {charset!r}") from None
    except (UnicodeDecodeError, ValueError):
        raise fail(
            label, card.source, f"line {line.number}: quoted-printable text is not valid {charset}"
        ) from None
    # The decoded text goes back into a content line: line breaks must become the \n escape.
    return re.sub(r"\r\n|\r|\n", r"\\n", decoded), rest


def _read_card(card: _Card, label: str) -> ContactIn:
    kept = _kept_lines(card, label)
    text = "BEGIN:VCARD\r\n" + "".join(line + "\r\n" for line in kept) + "END:VCARD\r\n"
    try:
        component = vobject.readOne(text)
    except Exception as exc:  # vobject raises many types (ParseError, binascii.Error, ...)
        raise fail(label, card.source, f"cannot read it: {_vobject_message(exc)}") from None
    return _contact_from(component, card, label)


def _vobject_message(exc: Exception) -> str:
    # vobject's line numbers count the rebuilt card, not the file: leave them out.
    message = re.sub(r"^At line \d+: ", "", str(exc)).strip()
    return message or type(exc).__name__


def _values(component: Any, name: str) -> list[Any]:
    return list(component.contents.get(name.lower(), []))


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)


def _first_text(component: Any, name: str) -> str | None:
    for prop in _values(component, name):
        value = clean(_text(prop.value))
        if value:
            return value
    return None


def _preference(prop: Any) -> int:
    """Lower sorts first: PREF=n (4.0), TYPE=pref (3.0) or a bare PREF (2.1), then the rest."""
    params = {key.upper(): values for key, values in prop.params.items()}
    if "PREF" in params:
        try:
            return int(params["PREF"][0])
        except (ValueError, IndexError):
            return 1
    types = [t.upper() for v in params.get("TYPE", []) for t in v.split(",")]
    singles = [s.upper() for s in prop.singletonparams]
    return 1 if "PREF" in types or "PREF" in singles else 101


def _by_preference(component: Any, name: str) -> list[str]:
    props = sorted(_values(component, name), key=_preference)  # stable: file order among equals
    return [_text(prop.value) for prop in props]


def _contact_from(component: Any, card: _Card, label: str) -> ContactIn:
    source = card.source
    emails = check_emails(_by_preference(component, "EMAIL"), label=label, source=source)
    phones = list(
        unique(
            re.sub(r"^tel:", "", p.strip(), flags=re.IGNORECASE)
            for p in _by_preference(component, "TEL")
        )
    )
    company = None
    for prop in _values(component, "ORG"):
        units = prop.value if isinstance(prop.value, list) else [prop.value]
        # Organisation name then its units: "Brightline Talent, Recruiting".
        company = clean(", ".join(u.strip() for u in map(_text, units) if u.strip()))
        if company:
            break
    name_parts: list[str | None] = []
    for prop in _values(component, "N"):
        n = prop.value
        if hasattr(n, "family"):
            name_parts = [
                _text(getattr(n, part))
                for part in ("prefix", "given", "additional", "family", "suffix")
            ]
        else:
            name_parts = [_text(n).replace(";", " ")]
        break
    phone = phones[0] if phones else None
    name = pick_name(
        full=_first_text(component, "FN"),
        parts=name_parts,
        nickname=_first_text(component, "NICKNAME"),
        company=company,
        emails=emails,
        phone=phone,
    )
    if name is None:
        raise fail(label, source, "no name, organisation, email or phone to file the contact under")
    tags = unique(
        tag
        for prop in _values(component, "CATEGORIES")
        for tag in (prop.value if isinstance(prop.value, list) else _text(prop.value).split(","))
        if tag.strip().casefold() not in _SYSTEM_CATEGORIES
    )
    notes = [_text(prop.value) for prop in _values(component, "NOTE")]
    created_at = None
    created_text = _first_text(component, _OWN_PREFIX + "CREATED")
    if created_text:
        try:
            created_at = datetime.fromisoformat(created_text)
        except ValueError:
            raise fail(
                label, source, f"X-NETKEEP-CREATED: not an ISO time: {created_text!r}"
            ) from None
        if created_at.tzinfo is None:
            created_at = created_at.astimezone(UTC)
    archived_text = _first_text(component, _OWN_PREFIX + "ARCHIVED")
    birthday = _birthday(_first_text(component, "BDAY"), label, source)
    return ContactIn(
        name=name,
        emails=emails,
        phone=phone,
        company=company,
        title=_first_text(component, "TITLE"),
        tags=tags,
        tier=_first_text(component, _OWN_PREFIX + "TIER"),
        note=join_note(*notes, other_phones_line(phones[1:])),
        created_at=created_at,
        cadence=_first_text(component, _OWN_PREFIX + "CADENCE"),
        archived=_archived(archived_text, label, source),
        birthday=birthday,
        source=source,
    )


def _birthday(text: str | None, label: str, source: str) -> str | None:
    """BDAY as netkeep keeps it; a date-and-time keeps its date, and a BDAY that is not a date
    (vCard 4 allows free text: "circa 1800") is left out rather than refusing the card."""
    from netkeep.agenda import parse_birthday

    if text is None or not text.strip():
        return None
    try:
        return parse_birthday(text)
    except BadInput:
        return None


def _archived(text: str | None, label: str, source: str) -> bool | None:
    if text is None:
        return None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise fail(label, source, f"X-NETKEEP-ARCHIVED must be true or false, not {text!r}")


# --- writing -------------------------------------------------------------------------------------


def write_vcf(contacts: Iterable[dict[str, Any]], fh: IO[str]) -> None:
    """vCard 4.0, one card per contact, CRLF line ends as RFC 6350 asks.

    FN carries the name; N is left out (optional in 4.0) because splitting a name into family and
    given parts is guesswork. Tier, cadence, creation time and archived go into X-NETKEEP-*
    properties, which netkeep reads back and other address books ignore. Open `fh` with newline=""
    so the CRLFs are written as they are.
    """
    for contact in contacts:
        fh.write(_card(contact).serialize())


def _card(contact: dict[str, Any]) -> Any:
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("prodid").value = f"-//netkeep//netkeep {__version__}//EN"
    card.add("fn").value = contact["name"]
    for index, email in enumerate(contact.get("emails") or []):
        prop = card.add("email")
        prop.value = email
        if index == 0:
            prop.params["PREF"] = ["1"]
    if contact.get("phone"):
        prop = card.add("tel")
        prop.value = contact["phone"]
        prop.params["VALUE"] = ["text"]  # TEL defaults to a tel: URI in 4.0; ours is free text
    if contact.get("company"):
        card.add("org").value = [contact["company"]]
    if contact.get("title"):
        card.add("title").value = contact["title"]
    if contact.get("tags"):
        card.add("categories").value = list(contact["tags"])
    if contact.get("note"):
        card.add("note").value = contact["note"]
    if contact.get("birthday"):
        # vCard 4 writes a day without its year as --MMDD (RFC 6350, 4.3.1).
        birthday = contact["birthday"]
        card.add("bday").value = (
            birthday.replace("-", "") if len(birthday) == 10 else "--" + birthday.replace("-", "")
        )
    if contact.get("tier"):
        card.add("x-netkeep-tier").value = contact["tier"]
    if contact.get("cadence"):
        card.add("x-netkeep-cadence").value = contact["cadence"]
    created_at = contact.get("created_at")
    if created_at is not None:
        if created_at.tzinfo is None:  # the store's naive times are UTC
            created_at = created_at.replace(tzinfo=UTC)
        card.add("x-netkeep-created").value = created_at.astimezone(UTC).isoformat()
    if contact.get("archived") is not None:
        card.add("x-netkeep-archived").value = "true" if contact["archived"] else "false"
    return card
