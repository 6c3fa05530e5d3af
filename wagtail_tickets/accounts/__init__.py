"""Ready pages for a site without its own protected area: log in, log out, change and reset
the password, and the account page with the customer-area menu, all inside the site's
``CUSTOMER_BASE_TEMPLATE``. A site opts in with one line in its URLs::

    path("accounts/", include("wagtail_tickets.accounts.urls"))

They are Django's authentication views with the package's templates; the password reset
answers the same whether an address has an account or not, mails through the task queue (so
the answer takes as long either way) and is rate-limited per address and per client.
"""
