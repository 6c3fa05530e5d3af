"""Screenshots of the example site for the README (headless Chromium through Playwright).

Run the demo first (``python3 dev.py demo``), then::

    .venv/bin/python docs/example_screenshots.py [http://127.0.0.1:8000]

Writes docs/screenshots/example-home.png (the home page, logged out) and
example-customer-area.png (My Tickets of the demo ``customer`` inside the site's layout).
Set CHROMIUM to the browser binary (default /usr/bin/chromium).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/")
        page.screenshot(path=OUT / "example-home.png", full_page=True)
        page.goto(f"{base}/accounts/login/?next=/tickets/")
        page.fill("input[name=username]", "customer")
        page.fill("input[name=password]", "demo-password")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/tickets/")
        page.screenshot(path=OUT / "example-customer-area.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main((sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000").rstrip("/"))
