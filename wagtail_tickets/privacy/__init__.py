"""A person's data in the helpdesk: where it is (``holders``), its export (``export``),
its erasure (``erasure``) and how long it is kept (``retention``)."""
