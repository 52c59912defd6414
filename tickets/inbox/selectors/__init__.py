"""Reads for the operators' inbox, by what they serve: the ticket list (``listing``) and its search
(``search``), the ticket page (``ticket_page``), and the reference lists of the forms
(``reference``)."""
