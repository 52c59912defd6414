"""The operators' shared inbox, by page: the ticket list (``listing``), the ticket page
(``ticket``) and what operators do there (``ticket_actions``), canned answers (``canned``) and
attachment downloads (``attachments``); ``common`` holds what they share.

Views stay thin: reads come from ``tickets.inbox.selectors``, writes from ``tickets.inbox.services`` and
``tickets.relay.outbox``. Bad input answers 400 with a reason; officials (and anyone without the operator
or admin role) get 403.
"""
