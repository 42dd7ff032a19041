"""Screenshot a built documentation site for the README's "What you get" section.

`python -m harness.screenshots SITE OUT NAME=PAGE...` serves the built site folder
SITE on loopback, opens each PAGE (a path inside the site; empty for the home page) in
headless Chromium at a fixed 1280x800 viewport in the light scheme, and writes
OUT/NAME.png reduced to a 256-colour palette, which keeps a page of text and boxes at a
small fraction of the full-colour file's size. The `showcase` nox session runs it once per
kind; Chromium is Debian's (`apt-get install chromium`) unless CHROMIUM names another.
Nothing leaves loopback: static shields.io badges are drawn locally (harness.badges), any
other outside request is refused at once rather than left to time out.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Route, sync_playwright

from harness.badges import draw, parse_static_badge

VIEWPORT = {"width": 1280, "height": 800}
# Every request off the loopback server (which serves on 127.0.0.1).
OUTSIDE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")
# Headless as root in a container, and no background traffic: the machines that take
# these screenshots have no network beyond loopback.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging each request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """The site on a free loopback port, as its base URL, for the duration of the block."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def optimise(path: Path) -> None:
    """Rewrite the PNG with a 256-colour palette, no dithering (text stays crisp)."""
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    reduced.save(path, optimize=True)


class OfflineAnswers:
    """Answers the page's outside requests: static badges drawn here, everything else refused.

    A route handler that raises leaves its request pending until the page times out, so a
    badge that cannot be drawn is refused like the rest and reported after the page loads.
    """

    def __init__(self) -> None:
        self.failures: list[str] = []

    def __call__(self, route: Route) -> None:
        url = route.request.url
        badge = parse_static_badge(url)
        if badge is None:
            route.abort("internetdisconnected")
            return
        try:
            body = draw(badge)
        except Exception as error:  # any failure: refuse the request, then report it
            self.failures.append(f"{url}: {type(error).__name__}: {error}")
            route.abort("failed")
            return
        route.fulfill(status=200, content_type="image/svg+xml", body=body)


def shoot(site: Path, out: Path, pages: dict[str, str], chromium: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    answers = OfflineAnswers()
    with serve(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1, color_scheme="light")
        page.route(OUTSIDE, answers)
        for name, path in pages.items():
            response = page.goto(base + path, wait_until="networkidle")
            if response is None or not response.ok:
                raise SystemExit(f"error: {base + path} did not load; is {path!r} in the site?")
            if answers.failures:
                raise SystemExit(
                    f"error: a badge of {base + path} was not drawn: {answers.failures[0]}"
                )
            target = out / f"{name}.png"
            page.screenshot(path=str(target))
            optimise(target)
            written.append(target)
        browser.close()
    return written


def page_spec(text: str) -> tuple[str, str]:
    name, separator, path = text.partition("=")
    if not separator or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=PAGE, got {text!r}")
    return name, path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built site (mkdocs build --site-dir)")
    parser.add_argument("out", type=Path, help="folder for the PNGs")
    parser.add_argument("pages", nargs="+", type=page_spec, metavar="NAME=PAGE")
    args = parser.parse_args(argv)
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).is_file():
        sys.exit(f"error: no Chromium at {chromium}; `apt-get install chromium` or set CHROMIUM")
    if not (args.site / "index.html").is_file():
        sys.exit(f"error: {args.site} holds no built site (no index.html)")
    for path in shoot(args.site, args.out, dict(args.pages), chromium):
        print(f"{path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
