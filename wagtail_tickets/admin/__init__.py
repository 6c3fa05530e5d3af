"""The agents' and administrators' screens in the Wagtail admin. ``hooks.py`` registers
them; every change they make goes through ``actions``, every ticket they show through
``permissions``.

Tickets (the "Tickets" menu):

- ``ticket_viewset``: the viewset that mounts the inbox and the workspace (the one module
  that imports both) and gives their views its URL names.
- ``inbox``: the listing views, the session's view and the agent's saved default view.
- ``inbox_columns``: the columns, one ``InboxColumn`` each (header, sort, cell, export),
  and the rows written in Python.
- ``inbox_filters``: the filters and the small tables they list.
- ``inbox_bulk``: ticked tickets (or all the filter matches) changed at once, after a
  confirmation page, through ``actions.bulk_change``.
- ``workspace``: a ticket's page and the agent's actions on it; ``forms``: their forms;
  ``drafts``: the agents' unsent replies kept on the server; ``mail_preview``: the mail a
  reply becomes, rendered by the notifier and never sent.
- ``presence``: the workspace's ping and leave beacon (who else has the ticket open, who
  is writing); ``workspace_presence``: that list on the page and the send check's notice
  when the conversation changed before a reply was sent.
- ``merge``: merging a ticket into another, from its workspace (find the target, confirm)
  and from the inbox's bar; ``links``: linking, unlinking, splitting a message into a new
  ticket, closing a parent with its children; ``relations``: what the workspace's
  "Linked tickets" panel shows; ``relation_log``: how the history reads those changes.
- ``choosers``: the requester chooser of "New ticket".

Shared pieces: ``listing`` (index views with a bounded search box), ``markup`` (HTML
written in Python, escaped by construction), ``widgets`` (choice widgets written through
``markup``), ``policies`` (who reaches the ticket screens).

Elsewhere in the admin: ``reports/`` (numbers, charts, page), ``dashboard`` (the home
panel), ``customer_tab`` (tickets on the customer record), ``config`` (types, statuses,
priorities and the other lists), ``permission_panel`` (type levels on Wagtail's group
page), ``email_templates``, ``mailboxes``, ``quarantine`` and ``outbox`` (mail).
"""
