"""Every model of wagtail-tickets, importable from ``wagtail_tickets.models``: Django finds
them here, and code elsewhere need not know which module holds which. The modules split
them by subject: config, tickets, history, mail (templates, outbox), inbound, external,
workspace.
"""

from .config import (
    Category,
    Priority,
    Status,
    TicketType,
    TicketTypeGroup,
    TypePermission,
)
from .escalation import SlaEscalation
from .external import ExternalAccess, ExternalPageSettings
from .history import TicketLogEntry
from .inbound import (
    AutoMailRecord,
    InboundMessage,
    Mailbox,
    OAuthApplication,
    QuarantinedMessage,
    SignInState,
)
from .links import TicketLink, TicketMerge
from .mail import EmailTemplate, MailSettings, OutgoingMail, PendingNotification
from .presence import TicketPresence
from .privacy import PersonalDataRequest
from .ratings import Rating
from .sla import Calendar, CalendarHoliday, CalendarRange, CustomerTier, SlaPolicy, SlaState
from .tickets import (
    Attachment,
    Message,
    NumberSequence,
    Ticket,
    TicketCounter,
    TicketProfile,
)
from .workspace import (
    InboxPreference,
    Rate,
    ReplyDraft,
    ResponseTemplate,
    TicketSettings,
    TicketVisit,
)

__all__ = [
    "Attachment",
    "AutoMailRecord",
    "Calendar",
    "CalendarHoliday",
    "CalendarRange",
    "CustomerTier",
    "Category",
    "EmailTemplate",
    "ExternalAccess",
    "ExternalPageSettings",
    "InboxPreference",
    "InboundMessage",
    "MailSettings",
    "Mailbox",
    "Message",
    "NumberSequence",
    "OAuthApplication",
    "OutgoingMail",
    "PendingNotification",
    "PersonalDataRequest",
    "Priority",
    "QuarantinedMessage",
    "SignInState",
    "SlaEscalation",
    "SlaPolicy",
    "SlaState",
    "Rate",
    "Rating",
    "ReplyDraft",
    "ResponseTemplate",
    "Status",
    "Ticket",
    "TicketCounter",
    "TicketLink",
    "TicketLogEntry",
    "TicketMerge",
    "TicketPresence",
    "TicketProfile",
    "TicketSettings",
    "TicketType",
    "TicketTypeGroup",
    "TicketVisit",
    "TypePermission",
]
