"""How a typed reference finds a person's name: whole words and word prefixes, in any case and
without accents (`jose` finds José Álvarez, `ana` finds Ana Ruiz but not Dana or Tanaka).

Pure and cheap to import: the store resolves CONTACT arguments with it and shell completion offers
names with it on every Tab, so both always agree on who a word means.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence

_WORD = re.compile(r"\w+")
# The combining marks NFKD splits off accented letters (the Unicode "Combining ..." blocks).
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

# Suggestions for a reference that matches nobody: a whole name this close, or, for one typed word,
# one word of a name this close (`samm` → Sam Lee, `rutz` → Ana Ruiz).
# Letters that carry their mark inside them, so NFKD leaves them whole: each read as the plain
# letters a person would type for it on an English keyboard (`odegard` finds Ødegård).
_UNMARKED = str.maketrans(
    {
        "ø": "o",
        "ł": "l",
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "œ": "oe",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ħ": "h",
        "ı": "i",
        "ŧ": "t",
        "ŀ": "l",
        "ƒ": "f",
        "ĸ": "k",
    }
)

NAME_CUTOFF = 0.6
WORD_CUTOFF = 0.75


def fold(text: str) -> str:
    """Lower case without accents: 'José ÁLVAREZ' → 'jose alvarez', 'Straße' → 'strasse',
    'Łukasz Ødegård' → 'lukasz odegard'."""
    if text.isascii():
        return text.lower()
    # Marks off, then case, then marks again: casefold can make new ones ('İ' → 'i̇'), and
    # compatibility forms fold only once decomposed ('ϒ' → 'Υ' → 'υ'). Letters whose mark is part
    # of the letter (ø, ł, đ) do not decompose, so they are spelled out after casefolding.
    plain = _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()
    return _MARKS.sub("", unicodedata.normalize("NFKD", plain)).translate(_UNMARKED)


def words(text: str) -> list[str]:
    """The folded words of a name or a reference ('Jo O'Neil (ACME)' → jo, o, neil, acme)."""
    return _WORD.findall(fold(text))


def words_match(typed: Sequence[str], name_words: Sequence[str]) -> bool:
    """Every typed word starts a different word of the name, in any order."""
    if not typed:
        return False
    remaining = list(name_words)
    for word in sorted(typed, key=len, reverse=True):
        for index, candidate in enumerate(remaining):
            if candidate.startswith(word):
                del remaining[index]
                break
        else:
            return False
    return True


def name_matches(ref: str, name: str) -> bool:
    return words_match(words(ref), words(name))


def matching(ref: str, people: Iterable[tuple[int, str]]) -> tuple[list[int], list[int]]:
    """Ids of the people whose name is `ref` apart from case, accents and punctuation, and of the
    others whose words the words of `ref` start. One pass: a regex on the folded name skips most
    people before their words are compared (10,000 names take a few milliseconds)."""
    typed = words(ref)
    if not typed:
        return [], []
    whole = " ".join(typed)
    longest = re.compile(r"\b" + re.escape(max(typed, key=len)))
    same: list[int] = []
    partial: list[int] = []
    for person_id, name in people:
        folded = fold(name)
        if not longest.search(folded):
            continue
        name_words = _WORD.findall(folded)
        if " ".join(name_words) == whole:
            same.append(person_id)
        elif words_match(typed, name_words):
            partial.append(person_id)
    return same, partial


def close_names(ref: str, people: Iterable[tuple[int, str]], *, limit: int = 3) -> list[int]:
    """Ids of the people whose name is close to `ref` (a typo), closest first."""
    from difflib import SequenceMatcher

    folded = " ".join(words(ref))
    if not folded:
        return []
    single = " " not in folded
    matcher = SequenceMatcher(b=folded, autojunk=False)
    scored: list[tuple[float, int]] = []
    word_ratios: dict[str, float] = {}  # first names and surnames repeat: compare each once
    for person_id, name in people:
        name_words = words(name)
        best = _ratio(matcher, " ".join(name_words), NAME_CUTOFF)
        if single:
            for word in name_words:
                ratio = word_ratios.get(word)
                if ratio is None:
                    ratio = word_ratios[word] = _ratio(matcher, word, WORD_CUTOFF)
                best = max(best, ratio)
        if best:
            scored.append((best, person_id))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [person_id for _, person_id in scored[:limit]]


def _ratio(matcher: difflib.SequenceMatcher[str], candidate: str, cutoff: float) -> float:
    matcher.set_seq1(candidate)
    if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= cutoff else 0.0
