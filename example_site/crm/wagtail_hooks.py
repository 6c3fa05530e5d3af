"""The Customer snippet in the Wagtail admin (menu "Customers")."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Customer


class CustomerViewSet(SnippetViewSet):
    model = Customer
    icon = "group"
    menu_label = _("Customers")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["name", "city", "email", "phone"]
    list_filter = ["country"]
    search_fields = ["name", "name2", "email", "city", "last_name"]
    ordering = ["name"]

    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("name"),
                    FieldPanel("name2"),
                    FieldRowPanel([FieldPanel("email"), FieldPanel("homepage")]),
                    FieldRowPanel([FieldPanel("phone"), FieldPanel("fax")]),
                    FieldRowPanel([FieldPanel("crn"), FieldPanel("vat_no")]),
                    FieldRowPanel([FieldPanel("iban"), FieldPanel("bank_no")]),
                    FieldPanel("comment"),
                    FieldPanel("users"),
                ],
                heading=_("Company"),
            ),
            ObjectList(
                [
                    MultiFieldPanel(
                        [
                            FieldRowPanel([FieldPanel("address"), FieldPanel("address_no")]),
                            FieldRowPanel([FieldPanel("zip"), FieldPanel("city")]),
                            FieldRowPanel([FieldPanel("state"), FieldPanel("country")]),
                        ],
                        heading=_("Visiting address"),
                    ),
                    MultiFieldPanel(
                        [
                            FieldRowPanel(
                                [FieldPanel("post_address"), FieldPanel("post_address_no")]
                            ),
                            FieldRowPanel([FieldPanel("post_zip"), FieldPanel("post_city")]),
                            FieldRowPanel([FieldPanel("post_state"), FieldPanel("post_country")]),
                        ],
                        heading=_("Postal address"),
                    ),
                ],
                heading=_("Addresses"),
            ),
            ObjectList(
                [
                    FieldRowPanel(
                        [FieldPanel("sirmadam"), FieldPanel("title"), FieldPanel("salutation")]
                    ),
                    FieldRowPanel(
                        [
                            FieldPanel("first_name"),
                            FieldPanel("middle_name"),
                            FieldPanel("last_name"),
                        ]
                    ),
                    FieldRowPanel([FieldPanel("department"), FieldPanel("function")]),
                    FieldRowPanel([FieldPanel("work_phone"), FieldPanel("work_fax")]),
                    FieldRowPanel([FieldPanel("cellular"), FieldPanel("home_phone")]),
                ],
                heading=_("Contact person"),
            ),
        ]
    )


register_snippet(CustomerViewSet)
