"""Screenshots of the customer tickets tab and the reports for the docs.

    .venv/bin/python docs/admin_report_screenshots.py

Builds a throwaway copy of the example site in a temporary folder (SQLite), loads the demo
data plus a year of made-up support history (two more agents, tickets opened and closed
over twelve months, logged hours), serves it on 127.0.0.1 and writes
docs/screenshots/admin-customer-tab.png and admin-reports.png. Set CHROMIUM to the browser
binary (default /usr/bin/chromium).
"""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SUBJECTS = [
    "VPN drops every few minutes",
    "Invoice shows the wrong VAT number",
    "Cannot log in after password reset",
    "Label printer prints blank labels",
    "Request for a second user licence",
    "Backup job failed overnight",
    "Mail to customers lands in spam",
    "Laptop fan very loud",
]


def seed_history() -> None:
    """A year of tickets through the real actions, then moved back in time."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from wagtail_tickets import actions
    from wagtail_tickets.models import Message, Rate, Status, Ticket, TicketType

    users = get_user_model()._default_manager
    team = Group.objects.get(name="Support team")
    agents = [users.get(username="agent")]
    for username, first, last in (("sam", "Sam", "Lee"), ("priya", "Priya", "Shah")):
        user, _created = users.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        user.groups.add(team)
        agents.append(user)
    customers = list(users.filter(username__in=["customer", "colleague", "customer2"]))
    types = list(TicketType.objects.all())
    rates = list(Rate.objects.all())
    in_progress = Status.objects.filter(is_closed=False).order_by("sort_order")[1:2].first()
    now = timezone.now()
    for n in range(140):
        days_ago = int(360 * (n / 140) ** 1.4)
        created = now - datetime.timedelta(days=days_ago, hours=(n * 7) % 11)
        agent = agents[n % 3 if n % 5 else 0]
        ticket = actions.open_ticket(
            ticket_type=types[n % len(types)],
            subject=SUBJECTS[n % len(SUBJECTS)],
            body_html="<p>Please have a look.</p>",
            requester=customers[n % len(customers)],
        )
        if n % 9 != 4:
            actions.claim_ticket(ticket, actor=agent)
        actions.add_reply(
            ticket,
            actor=agent,
            body_html="<p>We are looking into it.</p>",
            hours=Decimal(str(0.25 * (1 + n % 6))),
            rate=rates[n % len(rates)] if rates else None,
        )
        first_response = created + datetime.timedelta(hours=1 + (n * 5) % 20)
        closed = None
        if days_ago > 6 and n % 4:
            actions.close_ticket(ticket, actor=agent)
            closed = min(created + datetime.timedelta(days=1 + n % 9), now)
        elif in_progress is not None and n % 2:
            actions.change_ticket(ticket, actor=agent, status=in_progress)
        values = {"created_at": created, "updated_at": closed or first_response}
        values["first_response_at"] = first_response
        if closed:
            values["closed_at"] = closed
        if n % 13 == 0 and not closed:
            values["target_date"] = (now - datetime.timedelta(days=2)).date()
        Ticket.objects.filter(pk=ticket.pk).update(**values)
        Message.objects.filter(ticket=ticket, is_staff=True).update(created_at=first_response)
        Message.objects.filter(ticket=ticket, is_staff=False).update(created_at=created)


def prepare(database: Path) -> None:
    env = environment(database)
    manage = [sys.executable, str(ROOT / "example_site" / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "tickets_demo"], env=env, check=True, cwd=ROOT)
    code = "import docs.admin_report_screenshots as s, django; django.setup(); s.seed_history()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)


def environment(database: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "example_site.settings",
        "PYTHONPATH": str(ROOT),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def whole_page(page) -> None:
    """Wagtail's admin scrolls inside its layout: grow the window to the content instead."""
    height = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main, .content-wrapper, body')]"
        ".map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": 1280, "height": min(int(height) + 40, 6000)})
    page.wait_for_timeout(300)


def shoot(base: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/admin/login/")
        page.fill("input[name=username]", "agent")
        page.fill("input[name=password]", "demo-password")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/admin/")
        page.goto(f"{base}/admin/snippets/crm/customer/")
        page.get_by_role("link", name="Acme Ltd").first.click()
        page.wait_for_load_state()
        page.goto(page.url.split("#")[0] + "#tab-customer_tickets")
        page.locator("#tab-label-customer_tickets").click()
        whole_page(page)
        page.screenshot(path=OUT / "admin-customer-tab.png")
        page.goto(f"{base}/admin/ticket-reports/?period=12m")
        page.wait_for_load_state()
        whole_page(page)
        page.screenshot(path=OUT / "admin-reports.png")
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "demo.sqlite3"
        prepare(database)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "example_site" / "manage.py"),
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
                "--insecure",
            ],
            env=environment(database),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/admin/login/")
            shoot(base)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
