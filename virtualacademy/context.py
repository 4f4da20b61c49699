"""Request-scoped facts that services need without importing Flask's request.

The web layer sets them at the start of each request; commands and jobs leave them empty.
"""

from contextvars import ContextVar

#: The client's IP address for the current request, for the audit log.
request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)
