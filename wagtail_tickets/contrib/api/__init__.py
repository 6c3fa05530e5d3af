"""The REST API and webhooks of wagtail-tickets: an optional sub-app a site adds to
``INSTALLED_APPS`` (``"wagtail_tickets.contrib.api"``) with the ``api`` extra installed
(``pip install "wagtail-tickets[api]"``). See docs/api.md."""
