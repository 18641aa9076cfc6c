"""Web UI (``slar web``): server-rendered Jinja2 pages that reach data only through ``slar.client``
with the signed-in user's token."""
