"""Database plumbing: declarative base and types, engine and session factory, unit of work.

Knows nothing of the domain; the domain's models subclass ``Base``.
"""

from slar.db.base import Base, JSONType, UTCDateTime
from slar.db.engine import Database, create_database
from slar.db.errors import is_unavailable

__all__ = ["Base", "Database", "JSONType", "UTCDateTime", "create_database", "is_unavailable"]
