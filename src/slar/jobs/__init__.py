"""The database job queue: enqueue inside the caller's transaction; workers claim due jobs under
a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), retry with exponential backoff, and park
jobs that keep failing as ``dead`` (listed and retryable through the API)."""
