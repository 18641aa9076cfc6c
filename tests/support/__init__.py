"""Test support: databases on both backends, a live API server, data factories."""
