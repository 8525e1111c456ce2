"""The validation report of an import: every problem with its file, line and field; what was written."""

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()))

    def add(self, file: str, line: int, field_name: str, message: str) -> None:
        self.problems.append(Problem(file, line, field_name, str(message)))


class ImportInvalid(Exception):
    """Raised inside the import's transaction to undo everything written when a problem shows late."""
