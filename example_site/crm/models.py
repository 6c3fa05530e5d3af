"""The example site's customer records: a company with its contact person, linked to the
users who log in for it. Field names follow the ``{company:*}`` and ``{contact:*}`` template
variables of wagtail-tickets' email templates, so every variable has a value to show."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    # company
    name = models.CharField(_("name"), max_length=150)
    name2 = models.CharField(_("name (second line)"), max_length=150, blank=True)
    crn = models.CharField(_("company registration number"), max_length=50, blank=True)
    vat_no = models.CharField(_("VAT number"), max_length=50, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bank_no = models.CharField(_("bank account number"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    fax = models.CharField(_("fax"), max_length=50, blank=True)
    homepage = models.URLField(_("homepage"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # visiting address
    address = models.CharField(_("street"), max_length=150, blank=True)
    address_no = models.CharField(_("house number"), max_length=20, blank=True)
    zip = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    # postal address
    post_address = models.CharField(_("postal street"), max_length=150, blank=True)
    post_address_no = models.CharField(_("postal house number"), max_length=20, blank=True)
    post_zip = models.CharField(_("postal postcode"), max_length=20, blank=True)
    post_city = models.CharField(_("postal city"), max_length=100, blank=True)
    post_state = models.CharField(_("postal state"), max_length=100, blank=True)
    post_country = models.CharField(_("postal country"), max_length=100, blank=True)
    # contact person
    sirmadam = models.CharField(
        _("sir/madam"), max_length=20, blank=True, help_text=_("For example Mr or Ms.")
    )
    salutation = models.CharField(
        _("salutation"), max_length=150, blank=True, help_text=_("For example Dear Ms Jansen.")
    )
    title = models.CharField(_("title"), max_length=50, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    function = models.CharField(_("function"), max_length=100, blank=True)
    work_phone = models.CharField(_("work phone"), max_length=50, blank=True)
    work_fax = models.CharField(_("work fax"), max_length=50, blank=True)
    cellular = models.CharField(_("mobile phone"), max_length=50, blank=True)
    home_phone = models.CharField(_("home phone"), max_length=50, blank=True)
    # who logs in for this customer
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("users"),
        blank=True,
        related_name="customers",
        help_text=_("These users share the customer's tickets."),
    )
    ctime = models.DateTimeField(_("created"), auto_now_add=True)
    mtime = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def initials(self) -> str:
        names = (self.first_name, self.middle_name, self.last_name)
        return "".join(f"{name[0]}." for name in names if name)

    @property
    def formatted_address(self) -> str:
        return _format_address(
            self.address, self.address_no, self.zip, self.city, self.state, self.country
        )

    @property
    def formatted_post_address(self) -> str:
        return _format_address(
            self.post_address,
            self.post_address_no,
            self.post_zip,
            self.post_city,
            self.post_state,
            self.post_country,
        )


def _format_address(street, number, postcode, city, state, country) -> str:
    lines = [
        " ".join(part for part in (street, number) if part),
        " ".join(part for part in (postcode, city) if part),
        state,
        country,
    ]
    return "\n".join(line for line in lines if line)
