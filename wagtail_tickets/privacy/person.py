"""Who a privacy request is about: a user, a customer record or a bare address (a guest),
and the words that identify them in free text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q

from ..conf import get_customer_model_string
from ..models import Ticket

# shorter words are not scrubbed from free text: they would match inside other words
MIN_TERM = 3


@dataclass
class Person:
    """The ways rows point at one person. ``by_address`` False: only rows linked to the
    account count (a customer's own export: an account's address is not proof of
    owning every ticket sent from it)."""

    kind: str = "address"  # "user", "customer" or "address"
    user_id: int | None = None
    customer_id: str | None = None
    emails: tuple[str, ...] = ()
    terms: tuple[str, ...] = field(default_factory=tuple)
    by_address: bool = True

    # --- building ---------------------------------------------------------------

    @classmethod
    def for_user(cls, user, *, by_address: bool = True) -> Person:
        emails = (user.email.strip().lower(),) if getattr(user, "email", "") else ()
        terms = [*emails, user.get_username(), user.get_full_name()]
        try:
            terms.append(user.ticket_profile.display_name)
        except ObjectDoesNotExist:
            pass
        person = cls(kind="user", user_id=user.pk, emails=emails, by_address=by_address)
        return person.with_terms(terms)

    @classmethod
    def for_customer(cls, record) -> Person:
        email = (getattr(record, "email", "") or "").strip().lower()
        person = cls(kind="customer", customer_id=str(record.pk), emails=(email,) if email else ())
        return person.with_terms([email, str(record)])

    @classmethod
    def for_email(cls, email: str) -> Person:
        email = email.strip().lower()
        terms = [email]
        # an account with this address: its names identify the person in free text too
        for user in get_user_model()._default_manager.filter(email__iexact=email)[:10]:
            terms += [user.get_username(), user.get_full_name()]
        return cls(kind="address", emails=(email,)).with_terms(terms)

    def with_terms(self, extra) -> Person:
        """Add the names the person's tickets and messages were stored under."""
        words = {*self.terms, *extra}
        tickets = Ticket.objects.filter(self.ticket_q()) if self.ticket_q() else None
        if tickets is not None:
            words.update(tickets.values_list("requester_name", flat=True).distinct()[:50])
        words = sorted({w.strip() for w in words if w and len(w.strip()) >= MIN_TERM}, key=len)
        self.terms = tuple(reversed(words))  # longest first: "Ann Smith" before "Ann"
        return self

    def as_json(self) -> dict:
        data = asdict(self)
        data["emails"], data["terms"] = list(self.emails), list(self.terms)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Person:
        data = dict(data)
        data["emails"] = tuple(data.get("emails", ()))
        data["terms"] = tuple(data.get("terms", ()))
        return cls(**data)

    # --- finding ----------------------------------------------------------------

    @property
    def user(self):
        if self.user_id is None:
            return None
        return get_user_model()._default_manager.filter(pk=self.user_id).first()

    @property
    def address_emails(self) -> tuple[str, ...]:
        return self.emails if self.by_address else ()

    def ticket_q(self) -> Q | None:
        """The tickets the person asked (requester, customer record, address)."""
        q = Q()
        if self.user_id is not None:
            q |= Q(requester_id=self.user_id)
        if self.customer_id is not None:
            q |= Q(customer_id=self.customer_id)
        for email in self.address_emails:
            q |= Q(requester_email__iexact=email)
        return q or None

    def author_q(self) -> Q | None:
        """The messages the person wrote."""
        q = Q()
        if self.user_id is not None:
            q |= Q(author_id=self.user_id)
        for email in self.address_emails:
            q |= Q(author_email__iexact=email)
        return q or None

    def line_q(self, field_name: str) -> Q | None:
        """Rows whose field of addresses (one per line, bare or ``Name <address>``) holds
        one of the person's addresses."""
        q = Q()
        for email in self.address_emails:
            q |= (
                Q(**{f"{field_name}__iexact": email})
                | Q(**{f"{field_name}__icontains": f"<{email}>"})
                | Q(**{f"{field_name}__istartswith": f"{email}\n"})
                | Q(**{f"{field_name}__iendswith": f"\n{email}"})
                | Q(**{f"{field_name}__icontains": f"\n{email}\n"})
            )
        return q or None

    def field_q(self, field_name: str) -> Q | None:
        """Rows whose field is one of the person's addresses (any case)."""
        q = Q()
        for email in self.address_emails:
            q |= Q(**{f"{field_name}__iexact": email})
        return q or None


def customer_model():
    from django.apps import apps

    return apps.get_model(get_customer_model_string())


def person_from_options(*, email: str = "", user: str = "", customer: str = "") -> Person:
    """The person a command names: ``user`` (a primary key or a user name), ``customer``
    (a customer record's primary key) or ``email`` (a bare address). Raises ``LookupError``
    for an unknown user or record, ``ValueError`` when not exactly one is given."""
    given = [bool(email), bool(user), bool(customer)]
    if sum(given) != 1:
        raise ValueError("name exactly one of --email, --user, --customer")
    if user:
        model = get_user_model()
        manager = model._default_manager
        found = manager.filter(**{model.USERNAME_FIELD: user}).first()
        if found is None and str(user).isdigit():
            found = manager.filter(pk=int(user)).first()
        if found is None:
            raise LookupError(f"no user {user!r}")
        return Person.for_user(found)
    if customer:
        model = customer_model()
        try:
            record = model._default_manager.filter(pk=customer).first()
        except (ValueError, TypeError):
            record = None
        if record is None:
            raise LookupError(f"no customer record {customer!r}")
        return Person.for_customer(record)
    if "@" not in email:
        raise ValueError(f"not an address: {email!r}")
    return Person.for_email(email)
