"""Forms: XLSForm versions, their fields and how HXL tags map fields to observations."""


class Forms:
    """`ws.forms` — filled in by the forms work."""

    def __init__(self, ws) -> None:  # type: ignore[no-untyped-def]
        self.ws = ws
