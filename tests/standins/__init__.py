"""Stand-ins for the providers our senders talk to, on 127.0.0.1: Twilio's Messages API and the
Graph API (``providers.py``), an SMTP sink (``smtp.py``), and a private redis-server (``redis.py``)
for broker-outage tests that must not touch the Redis other engineers share."""

from __future__ import annotations

from .providers import ProviderStandIn, graph_error, twilio_error
from .redis import RedisServer, producer_broker
from .smtp import SmtpSink

__all__ = ["ProviderStandIn", "RedisServer", "SmtpSink", "graph_error", "producer_broker", "twilio_error"]
