"""Inbound mail: IMAP mailbox to tickets (see ``importer``)."""
