"""The master list of sites and locations."""


class Sites:
    """`ws.sites` — filled in by the sites work."""

    def __init__(self, ws) -> None:  # type: ignore[no-untyped-def]
        self.ws = ws
