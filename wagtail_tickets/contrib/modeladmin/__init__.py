"""The "Customer tickets" tab for hosts whose customer model is managed with
wagtail-modeladmin (``pip install wagtail-tickets[modeladmin]``).

The customer model's ModelAdmin opts in with a mixin; nothing else in wagtail-modeladmin
changes::

    from wagtail_modeladmin.options import ModelAdmin, modeladmin_register
    from wagtail_tickets.contrib.modeladmin.integration import CustomerTicketsModelAdminMixin

    @modeladmin_register
    class CustomerAdmin(CustomerTicketsModelAdminMixin, ModelAdmin):
        model = Customer

Its edit view then shows the tab, and its listing a "Tickets" button. A ModelAdmin with its
own edit view or button helper classes mixes ``CustomerTicketsEditViewMixin`` and
``CustomerTicketsButtonHelperMixin`` into them instead. With this sub-app in
``INSTALLED_APPS`` a system check (``wagtail_tickets.W201``) names a customer ModelAdmin that
has not opted in. ``WAGTAIL_TICKETS["CUSTOMER_TAB"] = False`` turns both off.
"""
