"""The HTML report in a real browser: headless Chromium with the network blocked renders it, the
screenshot is not blank, and no script ran. Skipped where no Chromium is installed."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from pictures_network import build

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# A script that ran would set this attribute on <body>; the names only carry it as text.
SENTINEL = "data-pwned"
HOSTILE = [
    f"<script>document.body.setAttribute('{SENTINEL}','yes')</script>",
    f"\"><img src=x onerror=\"document.body.setAttribute('{SENTINEL}','yes')\">",
]


def browser() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


pytestmark = pytest.mark.skipif(browser() is None, reason="no Chromium installed")


def headless(profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of pixels of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", None
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, colour, *_ = header
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                nearest = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + nearest) & 0xFF
        rows.append(bytes(line))
        previous = line
    return (
        width,
        height,
        [bytes(row[i : i + channels]) for row in rows for i in range(0, stride, channels)],
    )


def test_the_report_renders_offline_without_running_scripts(cli, tmp_path):
    build(cli)
    for name in HOSTILE:
        cli.ok("add", name, "--force")
        cli.ok("log", name, "--in", "--via", "email", "--when", "3 days ago", "--ask", name)
        cli.ok("log", name, "--via", "call", "--when", "2 days ago")
        cli.ok("log", name, "--in", "--via", "call", "--when", "yesterday")
    page = tmp_path / "report.html"
    cli.ok("report", "--html", str(page))

    shot = tmp_path / "shot.png"
    done = headless(
        tmp_path / "profile", f"--screenshot={shot}", "--window-size=900,1400", page.as_uri()
    )
    assert shot.exists(), done.stderr[-2000:]
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (900, 1400)
    assert len(set(pixels)) > 20, "the screenshot is blank"

    dom = headless(tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    assert "<svg" in dom and "Network health" in dom
    assert f'{SENTINEL}="yes"' not in dom, "a script ran"
    assert "<script" not in dom.lower()
