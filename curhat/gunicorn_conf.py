"""Gunicorn settings: ``gunicorn -c python:curhat.gunicorn_conf curhat.wsgi:application``.

The access log leaves out query strings and the referrer: a search by NIK, phone or e-mail (the inbox's
``?q=``, the API's filters) would otherwise be written whole to the log by gunicorn's default format,
whose ``%(r)s`` is the request line with its query string. ``%(U)s`` is the path alone.
"""

accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
