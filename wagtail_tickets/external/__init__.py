"""The external ticket page's building blocks: private links (``token``), abuse limits
(``throttle``), embedding headers (``framing``), signed forms (``forms``) and mail links
(``links``). The views are in ``wagtail_tickets.views.external``."""
