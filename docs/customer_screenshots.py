"""Screenshots of the customer area for the README, taken from a live test server.

Run with pytest (it needs the test settings and a live server)::

    .venv/bin/python -m pytest docs/customer_screenshots.py -p no:cacheprovider

Writes docs/screenshots/customer-my-tickets.png, customer-new-ticket.png and
customer-ticket.png (1366 pixels wide) after filling a new ticket in the real editor and
submitting it, so the pictures also prove the editor round trip. Set CHROMIUM to the browser
binary (default /usr/bin/chromium) and SCREENSHOTS to write elsewhere.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import (
    CompanyFactory,
    TicketTypeFactory,
    TicketTypeGroupFactory,
    UserFactory,
    grant,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.models import Priority, Status, Ticket, TypePermission

OUT = Path(os.environ.get("SCREENSHOTS", Path(__file__).resolve().parent / "screenshots"))
MESSAGE = (
    "<div>Hello,<br><br>the VAT number on our invoice 2026-0113 is "
    "<strong>DE123456788</strong>, but ours is:</div><ul><li><strong>DE123456789</strong></li>"
    "</ul><div>Could you send a corrected invoice?</div>"
)


def demo_data():
    products = TicketTypeGroupFactory(name="Products")
    support = TicketTypeFactory(
        name="Support", group=products, description="Questions about our products and services"
    )
    hardware = TicketTypeFactory(
        name="Hardware", group=products, description="Broken devices, repairs and replacements"
    )
    billing = TicketTypeFactory(
        name="Billing",
        description="Invoices, payments and contracts",
        customer_can_choose_priority=True,
    )
    customer = UserFactory(username="customer", first_name="Carla", last_name="Meyer")
    colleague = UserFactory(username="colleague", first_name="Colin", last_name="Baker")
    for ticket_type in (support, hardware, billing):
        for user in (customer, colleague):
            grant(user, ticket_type, TypePermission.Level.DELETE, group_name="Customers")
    CompanyFactory(name="Acme").users.add(customer, colleague)
    actions.set_display_name(customer, "Carla (Acme Purchasing)")
    body = "<p>Hello,</p><p>see subject.</p>"
    opened = [
        make_ticket(customer, ticket_type, subject=subject, body=body)
        for ticket_type, subject in [
            (billing, "Invoice 2026-0113 shows the wrong VAT number"),
            (support, "Cannot log in to the customer portal since Monday"),
            (hardware, "Replacement for broken docking station"),
            (support, "How do I export my order history?"),
            (billing, "Change of billing address"),
        ]
    ]
    actions.change_ticket(opened[1], status=Status.objects.get(name="Answer"))
    actions.close_ticket(opened[3])
    actions.close_ticket(opened[4])
    main = make_ticket(
        customer,
        support,
        subject="Printer in meeting room 2 keeps jamming",
        body=(
            "<div>Hello support team,</div><div><br></div><div>The printer in "
            "<strong>meeting room 2</strong> jams on every second page. What we tried:</div>"
            "<ul><li>new paper from a fresh pack</li><li>cleaning the rollers</li>"
            "<li>switching it off and on again</li></ul><div>The error log is attached.</div>"
        ),
        files=[SimpleUploadedFile("error-log.txt", b"E42 paper jam\n" * 40)],
        cc=["office@acme.example"],
    )
    actions.add_reply(
        main,
        body_html=(
            "<p>Hello Carla,</p><p>thanks for the log. Error <code>E42</code> usually means "
            "the pickup roller is worn. Could you send us a photo of the roller (the grey part "
            "behind the paper tray)?</p><p>Best regards,<br>Agnes from the support team</p>"
        ),
        as_staff=True,
        author_name="Agnes Adams",
    )
    # the agent's answer waits for the customer: the conversation shows the change
    actions.change_ticket(
        main,
        status=Status.objects.get(name="Answer"),
        priority=Priority.objects.get(name="High"),
    )
    actions.add_reply(
        main,
        actor=customer,
        body_html="<div>Here it is. It does look <em>quite</em> worn.</div>",
        files=[SimpleUploadedFile("roller.jpg", b"\xff\xd8\xff" + b"0" * 150_000)],
    )
    actions.change_ticket(
        main,
        status=Status.objects.get(name="In progress"),
        target_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    return customer, main


@pytest.mark.django_db(transaction=True)
def test_customer_area_screenshots(live_server, browser_page, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    OUT.mkdir(parents=True, exist_ok=True)
    customer, main = demo_data()
    base = live_server.url
    failures: list[str] = []
    page = browser_page(customer, viewport=(1366, 900))
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.on(
        "response",
        lambda r: failures.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )

    page.goto(base + "/tickets/")
    page.screenshot(path=str(OUT / "customer-my-tickets.png"), full_page=True)

    page.goto(base + "/tickets/new/")
    page.wait_for_selector("trix-toolbar")
    page.select_option("select[name=type]", label="Support")
    assert page.is_hidden("[data-wt-priority-field]")
    page.select_option("select[name=type]", label="Billing")
    assert page.is_visible("[data-wt-priority-field]")
    page.fill("input[name=subject]", "Wrong VAT number on invoice 2026-0113")
    page.fill("textarea[name=cc]", "accounting@acme.example")
    page.click("trix-editor")
    page.evaluate("html => document.querySelector('trix-editor').editor.loadHTML(html)", MESSAGE)
    page.screenshot(path=str(OUT / "customer-new-ticket.png"), full_page=True)
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}],
    )
    page.click("form.wt-form button[type=submit]")
    page.wait_for_selector(".wt-messages")
    created = Ticket.objects.get(subject="Wrong VAT number on invoice 2026-0113")
    first = created.messages.get()
    assert "<strong>DE123456788</strong>" in first.body_html and "<ul>" in first.body_html
    assert [a.filename for a in first.attachments.all()] == ["invoice.pdf"]

    page.goto(base + f"/tickets/{main.number}/")
    page.wait_for_selector("trix-toolbar")
    page.screenshot(path=str(OUT / "customer-ticket.png"), full_page=True)
    assert not failures
