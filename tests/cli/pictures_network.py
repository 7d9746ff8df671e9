"""A small network with a known shape, shared by the picture and report tests (frozen now:
2026-06-15 12:00 UTC)."""

from __future__ import annotations

CONTACTS = [
    ("Sam Lee", "inner"),
    ("Ana Ruiz", "close"),
    ("Bo Chen", "network"),
    ("Dana Kim", "acquaintance"),
    ("Eli Park", "network"),
]
# (contact, days ago, extra log arguments)
TOUCHES = [
    ("Sam Lee", 170, ["--via", "meeting"]),
    ("Sam Lee", 150, ["--in", "--via", "email"]),
    ("Sam Lee", 120, ["--via", "call", "--give", "intro to Acme"]),
    ("Sam Lee", 95, ["--in", "--via", "call", "--ask", "a reference"]),
    ("Sam Lee", 60, ["--via", "email"]),
    ("Sam Lee", 45, ["--via", "email"]),
    ("Sam Lee", 30, ["--via", "call", "--no-answer"]),
    ("Ana Ruiz", 80, ["--via", "call"]),
    ("Ana Ruiz", 66, ["--in", "--via", "call"]),
    ("Ana Ruiz", 40, ["--via", "meeting"]),
    ("Ana Ruiz", 25, ["--in", "--via", "text", "--two-way"]),
    ("Ana Ruiz", 10, ["--via", "email", "--ask", "feedback on a CV"]),
    ("Ana Ruiz", 5, ["--in", "--via", "email"]),
    ("Ana Ruiz", 3, ["--via", "call"]),
    ("Bo Chen", 400, ["--in", "--via", "call"]),
    ("Bo Chen", 300, ["--via", "email"]),
    ("Bo Chen", 250, ["--via", "email"]),
    ("Bo Chen", 200, ["--via", "text"]),
    ("Dana Kim", 75, ["--in", "--via", "social"]),
    ("Dana Kim", 70, ["--via", "social"]),
]


def build(cli) -> None:
    for name, tier in CONTACTS:
        cli.ok("add", name, "--tier", tier)
    for name, days, extra in TOUCHES:
        cli.ok("log", name, "--when", f"{days} days ago", *extra)
    # Sam's ask of 95 days ago was done two days ago: an ask closed in this week.
    asks = cli.json("asks", "--all")
    reference = next(ask for ask in asks if ask["what"] == "a reference")
    cli.ok("resolve", str(reference["id"]), "--when", "2 days ago")
