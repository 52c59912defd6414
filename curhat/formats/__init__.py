"""One date format per context (FORMAT_MODULE_PATH): lists, pages, the admin and the inbox's own
fragments (tickets.inbox.fragments) all write "01 Des 2026 08:18" (day, short month, year, 24-hour
time, WITA); a date alone is "01 Des 2026". Templates use ``|date`` / ``|date:"DATETIME_FORMAT"``
rather than a pattern of their own."""
