from .config import (
    Category,
    Priority,
    Status,
    TicketType,
    TicketTypeGroup,
    TypePermission,
)
from .history import TicketLogEntry
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
    "InboxPreference",
    "Message",
    "NumberSequence",
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
