"""Catalog: services, integrations (inbound keys), routing rules, maintenance windows."""
