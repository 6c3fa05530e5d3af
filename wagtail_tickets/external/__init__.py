"""The external ticket page's building blocks: private links (``token``), abuse limits
(``throttle``), embedding headers (``framing``), signed forms (``forms``) and styles
(``styles``). The addresses of private links are made in ``wagtail_tickets.links``; the
views are in ``wagtail_tickets.views.external``."""
