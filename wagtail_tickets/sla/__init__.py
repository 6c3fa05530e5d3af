"""Service levels: business-hours arithmetic (``hours``), calendars as the arithmetic reads
them (``calendars``), which policy a ticket falls under (``policies``) and the due times
``actions`` store on tickets (``due``). Nothing here computes at read time."""
