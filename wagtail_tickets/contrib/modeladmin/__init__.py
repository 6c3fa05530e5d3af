"""The "Customer tickets" tab for hosts whose customer model is managed with
wagtail-modeladmin (``pip install wagtail-tickets[modeladmin]``).

Add ``"wagtail_modeladmin"`` and ``"wagtail_tickets.contrib.modeladmin"`` to
``INSTALLED_APPS``: the ModelAdmin edit view of ``WAGTAIL_TICKETS_CUSTOMER_MODEL`` (or of a
proxy of it) then shows the tab, and its listing a "Tickets" button, without changes to the
host's ModelAdmin or panels. ``WAGTAIL_TICKETS["CUSTOMER_TAB"] = False`` turns both off.
"""
