"""Admin units, P-codes and boundaries: import, validate, convert, match names."""


class Gazetteer:
    """`ws.gazetteer` — filled in by the gazetteer work."""

    def __init__(self, ws) -> None:  # type: ignore[no-untyped-def]
        self.ws = ws
