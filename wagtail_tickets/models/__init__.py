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

__all__ = [
    "Attachment",
    "Category",
    "Message",
    "NumberSequence",
    "Priority",
    "Status",
    "Ticket",
    "TicketLogEntry",
    "TicketProfile",
    "TicketType",
    "TicketTypeGroup",
    "TypePermission",
]
