"""Runbooks: markdown documents responders (and the AI assistant) follow during an incident,
optionally owned by a team and linked to services, found by full-text search (SQLite FTS5,
PostgreSQL ``tsvector``) with the matching passage."""
