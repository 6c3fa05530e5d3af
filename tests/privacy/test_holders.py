"""Every model field that can hold a person's data is covered by a privacy holder."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models

from wagtail_tickets.conf import get_customer_model_string
from wagtail_tickets.privacy import holders

APPS = ("wagtail_tickets", "wagtail_tickets_api")
PERSONAL_WORDS = ("email", "sender", "address", "user", "author", "requester", "name")


def _looks_personal(field) -> bool:
    if field.is_relation and field.related_model is not None:
        target = field.related_model._meta.label
        return target in (settings.AUTH_USER_MODEL, get_customer_model_string())
    if isinstance(field, models.EmailField):
        return True
    return field.name in ("to", "cc", "reply_to", "raw", "payload") or any(
        word in field.name for word in PERSONAL_WORDS
    )


def _covered() -> set[str]:
    return {f"{h.model}.{name}" for h in holders.HOLDERS for name in h.fields}


def test_every_personal_field_is_covered_or_explained():
    covered = _covered() | set(holders.NOT_PERSONAL)
    missing = []
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                key = f"{model._meta.label}.{field.name}"
                # names of configuration rows (types, statuses, templates...) are not a person's
                if field.name == "name" and not field.is_relation:
                    continue
                if _looks_personal(field) and key not in covered:
                    missing.append(key)
    assert missing == []


def test_the_check_notices_a_new_field():
    """The rule above is not vacuous: a user field on a new model is reported."""

    class Probe(models.Model):
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        contact = models.EmailField()

        class Meta:
            app_label = "wagtail_tickets"

        def __str__(self) -> str:
            return "probe"

    try:
        fields = Probe._meta.concrete_fields
        assert [f.name for f in fields if _looks_personal(f)] == ["owner", "contact"]
        assert "wagtail_tickets.Probe.owner" not in _covered()
    finally:
        apps.all_models["wagtail_tickets"].pop("probe", None)
        apps.clear_cache()


def test_holders_name_real_fields_and_unique_keys():
    keys = [h.key for h in holders.HOLDERS]
    assert len(keys) == len(set(keys))
    for holder in holders.holders():
        model = holder.model_class
        for name in holder.fields:
            model._meta.get_field(name)
