"""One router per bounded context; ``app.py`` includes them all."""
