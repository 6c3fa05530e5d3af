"""The agents' and administrators' screens in the Wagtail admin: the inbox and ticket
workspace (``inbox``, ``workspace``), configuration lists (``config``), the requester chooser
(``choosers``) and the customer tab and reports. ``hooks.py`` registers them."""
