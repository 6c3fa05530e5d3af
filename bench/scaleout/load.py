"""The people of the load run, each a thread through the one address in front of the web
processes: agents work the inbox and answer, customers open tickets with attachments and
reply, correspondents' mail arrives in two mailboxes. Every request's time and status is
recorded under its page's name."""

from __future__ import annotations

import html
import imaplib
import json
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>', re.IGNORECASE)
_NAME = re.compile(r'name="([^"]{1,100})"')
_VALUE = re.compile(r'value="([^"]{0,2000})"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Record:
    """Every request of the run: times (ms) and unexpected answers per page."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)
    # answers the send check held back (409): a colleague's answer crossed them
    held: int = 0

    def add(self, page: str, ms: float, error: str = "") -> None:
        with self.lock:
            self.times[page].append(ms)
            if error:
                self.errors[page].append(error)


class Browser:
    """One logged-in person: a session cookie made in the session store, the CSRF token in
    a header as the site's JavaScript sends it."""

    def __init__(self, base: str, cookie: str, record: Record) -> None:
        self.base, self.cookie, self.record = base, cookie, record
        self.csrf = cookie.split("csrftoken=")[1]

    def request(self, page: str, path: str, data=None, content_type="", expect=(200,)):
        headers = {"Cookie": self.cookie, "Host": "127.0.0.1"}
        if data is not None:
            headers.update({"X-CSRFToken": self.csrf, "Referer": self.base + path})
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
            if isinstance(data, dict):
                data = urllib.parse.urlencode(data, doseq=True).encode()
        started = time.perf_counter()
        try:
            response = _OPENER.open(
                urllib.request.Request(self.base + path, data, headers), timeout=120
            )
        except urllib.error.HTTPError as answer:  # 3xx (not followed), 4xx, 5xx
            response = answer
        except OSError as exc:
            self.record.add(page, (time.perf_counter() - started) * 1000, f"{exc!r}")
            return None, "", ""
        body = response.read().decode("utf-8", "replace")
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status
        error = "" if status in expect else f"HTTP {status} for {path}"
        self.record.add(page, elapsed, error)
        return status, body, response.headers.get("Location", "")

    def post_multipart(self, page: str, path: str, fields: dict, files: list, expect=(302,)):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, filename, content in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            page, path, b"".join(parts), f"multipart/form-data; boundary={boundary}", expect
        )


def hidden_fields(page_html: str) -> dict[str, str]:
    """The hidden inputs of a page's forms (what the page told the form it was showing)."""
    found = {}
    for tag in _HIDDEN.findall(page_html):
        name, value = _NAME.search(tag), _VALUE.search(tag)
        if name and name.group(1) != "csrfmiddlewaretoken":
            found[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return found


def draftail(text: str) -> str:
    block = {"key": "k1", "text": text, "type": "unstyled", "depth": 0}
    block.update(inlineStyleRanges=[], entityRanges=[])
    return json.dumps({"blocks": [block], "entityMap": {}})


@dataclass
class Plan:
    """What the people act on: URLs and the ids they pick from."""

    base: str
    stop: threading.Event
    record: Record
    agent_cookies: list[str]
    customer_cookies: list[tuple[str, list[str]]]  # cookie, numbers of the customer's tickets
    agent_tickets: list[int]
    type_id: int
    urls: dict
    think: tuple[float, float] = (2.0, 5.0)
    opened: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _pause(plan: Plan, rnd: random.Random) -> bool:
    """Think for a while; False once the run is over."""
    return not plan.stop.wait(rnd.uniform(*plan.think))


def agent(plan: Plan, index: int) -> None:
    rnd = random.Random(index)
    browser = Browser(plan.base, plan.agent_cookies[index], plan.record)
    while _pause(plan, rnd):
        browser.request("agent: inbox", plan.urls["inbox"])
        pk = rnd.choice(plan.agent_tickets)
        status, page, _location = browser.request("agent: ticket", plan.urls["workspace"](pk))
        if status != 200 or not _pause(plan, rnd):
            continue
        form = hidden_fields(page)
        form["body"] = draftail(f"Answer {uuid.uuid4().hex[:8]}: please try again now.")
        form["action"] = "send"
        status, _page, _location = browser.request(
            "agent: answer", plan.urls["workspace"](pk), form, expect=(302, 200, 409)
        )
        if status == 409:  # the send check: a colleague's answer crossed this one
            with plan.record.lock:
                plan.record.held += 1


def customer(plan: Plan, index: int) -> None:
    rnd = random.Random(1000 + index)
    cookie, numbers = plan.customer_cookies[index]
    browser = Browser(plan.base, cookie, plan.record)
    numbers = list(numbers)
    while _pause(plan, rnd):
        browser.request("customer: My Tickets", plan.urls["my_tickets"])
        attachment = [("attachments", "screenshot.png", rnd.randbytes(rnd.randint(2, 60) * 1024))]
        if not numbers or rnd.random() < 0.4:
            fields = {
                "type": str(plan.type_id),
                "subject": f"Load run {uuid.uuid4().hex[:8]}: the printer stopped",
                "body": "<p>It stopped after the update. A screenshot is attached.</p>",
                "cc": "",
            }
            status, _page, location = browser.post_multipart(
                "customer: new ticket", plan.urls["create"], fields, attachment
            )
            number = location.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            if status == 302 and number.isdigit():
                numbers.append(number)
                with plan.lock:
                    plan.opened.append(number)
        else:
            number = rnd.choice(numbers)
            fields = {"body": f"<p>Still broken ({uuid.uuid4().hex[:8]}).</p>"}
            browser.post_multipart(
                "customer: reply",
                plan.urls["reply"](number),
                fields,
                attachment if rnd.random() < 0.5 else [],
            )


def correspondent(plan: Plan, imap_ports: list[int], user: str, password: str, messages):
    """Mail arriving: the prepared messages appended in turn to the two mailboxes' servers,
    one every second or so. Returns through ``sent`` what was delivered where."""
    rnd = random.Random(7)
    delivered: list[tuple[int, bytes]] = []
    for number, raw in enumerate(messages):
        if plan.stop.is_set():
            break
        port = imap_ports[number % len(imap_ports)]
        try:
            client = imaplib.IMAP4("127.0.0.1", port, timeout=30)
            client.login(user, password)
            started = time.perf_counter()
            typ, _data = client.append('"INBOX"', None, None, raw)
            plan.record.add(
                "mail: delivered to IMAP",
                (time.perf_counter() - started) * 1000,
                "" if typ == "OK" else f"APPEND {typ}",
            )
            client.logout()
            if typ == "OK":
                delivered.append((port, raw))
        except OSError as exc:
            plan.record.add("mail: delivered to IMAP", 0.0, repr(exc))
        plan.stop.wait(rnd.uniform(0.5, 1.5))
    return delivered
