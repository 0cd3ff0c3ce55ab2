"""Real-PostgreSQL fixtures' building blocks (never mocks)."""

from support.databases import connect
from support.servers import Server

__all__ = ["Server", "connect"]
