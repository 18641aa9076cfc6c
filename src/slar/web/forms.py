"""Reading an HTML form (``application/x-www-form-urlencoded``) without extra dependencies."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request


class FormError(ValueError):
    """A form field could not be read; the message names the field."""


class Form:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    @classmethod
    async def read(cls, request: Request) -> Form:
        body = await request.body()
        return cls(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))

    def get(self, name: str, default: str = "") -> str:
        for key, value in self._pairs:
            if key == name:
                return value.strip()
        return default

    def getlist(self, name: str) -> list[str]:
        return [v.strip() for k, v in self._pairs if k == name and v.strip()]

    def number(self, name: str, *, label: str | None = None) -> int:
        value = self.get(name)
        try:
            return int(value)
        except ValueError:
            raise FormError(f"{label or name}: a whole number is required") from None

    def optional_int(self, name: str, *, label: str | None = None) -> int | None:
        return self.number(name, label=label) if self.get(name) else None

    def ints(self, name: str) -> list[int]:
        try:
            return [int(v) for v in self.getlist(name)]
        except ValueError:
            raise FormError(f"{name}: whole numbers are required") from None

    def checked(self, name: str) -> bool:
        return self.get(name) in {"on", "true", "1", "yes"}
