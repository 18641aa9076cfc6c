"""The web UI: server-rendered pages (Jinja2) over the REST API.

It reaches data only through ``slar.client`` with the signed-in user's token, so the UI can
never do what the API would refuse the user; it holds no database connection of its own.
"""
