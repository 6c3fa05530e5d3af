"""Forms of the customer area: new ticket, reply, display name.

Forms only translate input into the arguments of ``wagtail_tickets.actions``: the rules
themselves live in ``permissions`` (which types), ``sanitize`` (which HTML) and ``validators``
(which addresses and files). Nothing here saves anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from . import permissions
from .actions import RATING_COMMENT_MAX_LENGTH
from .conf import app_settings, languages
from .models import Priority, Rating, TicketType
from .notifications.ratelimit import check_new_cc_addresses
from .sanitize import HTMLTooComplex, clean_subject, clean_user_input, is_blank
from .validators import parse_cc_addresses, validate_uploads


class MultipleFileInput(forms.FileInput):
    """A file input that lets the browser send several files under one name."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploads in one field; the count, size and extension limits of
    ``validators.validate_uploads`` run on the upload metadata before anything reads the
    files."""

    widget = MultipleFileInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, data) -> list:
        if not data:
            return []
        files = list(data) if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]

    def clean(self, data, initial=None) -> list:
        files = self.to_python(data)
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        validate_uploads(files)
        single = super().to_python
        for upload in files:
            single(upload)
        return files


class TypeSelect(forms.Select):
    """A type dropdown whose options carry the type description as ``title`` (shown on
    hover) and whether customers choose the priority on that type."""

    def __init__(self, *args, details: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.details: dict[str, tuple[str, bool]] = details or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        description, chooses_priority = self.details.get(str(value), ("", False))
        if description:
            option["attrs"]["title"] = description
        if chooses_priority:
            option["attrs"]["data-priority"] = "1"
        return option


def grouped_type_choices(types: Sequence[TicketType]) -> list:
    """Choices grouped by type group, ungrouped types first."""
    choices: list = [("", _("Choose a type…"))]
    groups: dict[str, list] = {}
    for ticket_type in types:
        if ticket_type.group_id is None:
            choices.append((ticket_type.pk, ticket_type.name))
        else:
            groups.setdefault(ticket_type.group.name, []).append((ticket_type.pk, ticket_type.name))
    choices.extend(groups.items())
    return choices


class BodyField(forms.CharField):
    """The message: HTML from the editor, or plain text from the bare textarea when
    JavaScript is off. Cleaned to the sanitiser's allowlist; blank messages are refused,
    and so is HTML nested or formatted past ``MAX_HTML_DEPTH`` or ``MAX_HTML_ELEMENTS``."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Message"))
        kwargs.setdefault("max_length", app_settings.MAX_BODY_LENGTH)
        kwargs.setdefault(
            "widget",
            forms.Textarea(attrs={"rows": 10, "data-wt-rich-text": "", "class": "wt-input"}),
        )
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def clean(self, value) -> str:
        # required and max_length first: an oversized body is refused before any parsing
        value = super().clean(value)
        try:
            cleaned = clean_user_input(value, strict=True)
        except HTMLTooComplex as exc:
            raise ValidationError(exc.message, code=exc.code) from None
        if is_blank(cleaned):
            raise ValidationError(_("Please write a message."), code="blank")
        return cleaned


def _attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("Attachments"),
        help_text=_("Up to %(count)d files, each at most %(size)d MB.")
        % {
            "count": app_settings.MAX_ATTACHMENTS,
            "size": max(1, app_settings.MAX_ATTACHMENT_SIZE // (1024 * 1024)),
        },
        widget=MultipleFileInput(attrs={"class": "wt-input wt-input--file"}),
    )


class NewTicketForm(forms.Form):
    """A customer's new ticket: type, priority (where the type allows it), subject, CC,
    message, files."""

    type = forms.ModelChoiceField(
        label=_("Type"), queryset=TicketType.objects.none(), empty_label=None
    )
    priority = forms.ModelChoiceField(
        label=_("Priority"),
        queryset=Priority.objects.all(),
        required=False,
        empty_label=_("Normal handling"),
        widget=forms.Select(attrs={"class": "wt-input"}),
    )
    subject = forms.CharField(label=_("Subject"), widget=forms.TextInput())
    cc = forms.CharField(
        label=_("CC"),
        required=False,
        max_length=4000,
        help_text=_(
            "Other people to keep informed: email addresses separated by commas or new lines."
        ),
        widget=forms.Textarea(attrs={"rows": 2, "class": "wt-input", "autocomplete": "email"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        types = list(
            permissions.creatable_types(user).order_by(
                "group__sort_order", "group__name", "sort_order", "name"
            )
        )
        self.priority_type_ids = {t.pk for t in types if permissions.can_choose_priority(user, t)}
        type_field = self.fields["type"]
        type_field.queryset = permissions.creatable_types(user)
        type_field.widget = TypeSelect(
            attrs={"class": "wt-input", "data-wt-type": ""},
            details={str(t.pk): (t.description, t.pk in self.priority_type_ids) for t in types},
        )
        type_field.choices = grouped_type_choices(types)
        if len(types) == 1:
            type_field.initial = types[0].pk
        if not self.priority_type_ids:
            del self.fields["priority"]
        elif len(self.priority_type_ids) < len(types):
            self.fields["priority"].help_text = _("Only for: %(types)s.") % {
                "types": ", ".join(t.name for t in types if t.pk in self.priority_type_ids)
            }
        subject_field = self.fields["subject"]
        subject_field.max_length = app_settings.MAX_SUBJECT_LENGTH
        subject_field.validators.append(MaxLengthValidator(app_settings.MAX_SUBJECT_LENGTH))
        self.fields["subject"].widget.attrs.update(
            {"class": "wt-input", "maxlength": app_settings.MAX_SUBJECT_LENGTH}
        )
        self.fields["body"] = BodyField()
        self.fields["attachments"] = _attachments_field()

    def clean_subject(self) -> str:
        subject = clean_subject(self.cleaned_data["subject"], app_settings.MAX_SUBJECT_LENGTH)
        if not subject:
            raise ValidationError(_("Please enter a subject."), code="blank")
        return subject

    def clean_cc(self) -> list[str]:
        """Valid addresses, and no more new ones than the person's limit allows
        (``notifications.ratelimit``): the error shows here, before anything is saved."""
        addresses = parse_cc_addresses(self.cleaned_data.get("cc", ""))
        check_new_cc_addresses(self.user, addresses)
        return addresses

    def clean(self) -> dict:
        data = super().clean()
        ticket_type = data.get("type")
        priority = data.get("priority")
        if ticket_type is not None and priority is not None:
            if ticket_type.pk not in self.priority_type_ids:
                self.add_error(
                    "priority",
                    _("The priority of “%(type)s” tickets is set by our team.")
                    % {"type": ticket_type.name},
                )
        return data


class ReplyForm(forms.Form):
    """A customer's reply with text and new attachments."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"] = BodyField(label=_("Your reply"))
        self.fields["attachments"] = _attachments_field()


class ProfileForm(forms.Form):
    """The name shown as sender of the customer's messages."""

    display_name = forms.CharField(
        label=_("Display name in tickets"),
        max_length=100,
        required=False,
        help_text=_(
            "Shown as the sender of your messages, e.g. your company name or a nickname. "
            "Leave empty to use your name."
        ),
        widget=forms.TextInput(attrs={"class": "wt-input", "autocomplete": "nickname"}),
    )

    language = forms.ChoiceField(
        label=_("Language of ticket mail"),
        required=False,
        choices=(),
        widget=forms.Select(attrs={"class": "wt-input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("The site's default")), *languages()]

    def clean_display_name(self) -> str:
        return clean_subject(self.cleaned_data["display_name"], 100)


class RatingForm(forms.Form):
    """Good, okay or bad, and an optional comment (plain text; ``actions.rate_ticket``
    cleans it). A comment longer than the limit is refused here with a clear error."""

    score = forms.ChoiceField(
        label=_("How satisfied are you with our answer?"),
        choices=Rating.Score.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose good, okay or bad.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=RATING_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What went well, or what could we do better?"),
    )
