"""One catalogue of user-facing errors: the CLI and the HTTP layer both render from it."""

from __future__ import annotations

from dataclasses import dataclass, field

# code -> (HTTP status, message template)
CATALOGUE: dict[str, tuple[int, str]] = {
    "not_initialised": (500, "The workspace at {where} is not initialised: run `pantau init`."),
    "not_found": (404, "No {what} '{key}'."),
    "already_exists": (409, "{what} '{key}' exists already."),
    "invalid": (422, "{message}"),
    "import_failed": (422, "{source}: {count} problem(s); nothing was imported."),
    "unreadable_file": (422, "{source}: {message}"),
}


class PantauError(Exception):
    """An error a user can act on; `code` picks the template and the HTTP status."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        status, template = CATALOGUE[code]
        self.status = status
        super().__init__(template.format(**params))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where it is and what is wrong."""

    source: str
    message: str
    row: int | None = None
    field: str | None = None
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


@dataclass
class Problems:
    """Collects every problem of an import so the user sees them all at once."""

    source: str
    items: list[Problem] = field(default_factory=list)

    def add(self, message: str, row: int | None = None, fld: str | None = None,
            severity: str = "error") -> None:
        self.items.append(Problem(self.source, message, row, fld, severity))

    def warn(self, message: str, row: int | None = None, fld: str | None = None) -> None:
        self.add(message, row, fld, "warning")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ImportFailed(self.source, self.items)


class ImportFailed(PantauError):
    """An import that found errors and therefore changed nothing."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__("import_failed", source=source, count=len(errors))

    def details(self, limit: int = 50) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [str(p) for p in errors[:limit]]
        if len(errors) > limit:
            lines.append(f"… and {len(errors) - limit} more")
        return "\n".join(lines)
