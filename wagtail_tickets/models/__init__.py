from .config import (
    Category,
    Priority,
    Status,
    TicketType,
    TicketTypeGroup,
    TypePermission,
)
from .history import TicketLogEntry
from .mail import EmailTemplate, MailSettings, OutgoingMail, PendingNotification
from .tickets import (
    Attachment,
    Message,
    NumberSequence,
    Ticket,
    TicketProfile,
)
from .workspace import InboxPreference, Rate, ResponseTemplate, TicketSettings

__all__ = [
    "Attachment",
    "Category",
    "EmailTemplate",
    "InboxPreference",
    "MailSettings",
    "Message",
    "NumberSequence",
    "OutgoingMail",
    "PendingNotification",
    "Priority",
    "Rate",
    "ResponseTemplate",
    "Status",
    "Ticket",
    "TicketLogEntry",
    "TicketProfile",
    "TicketSettings",
    "TicketType",
    "TicketTypeGroup",
    "TypePermission",
]
