"""OneRoster 1.2 CSV: export of a school year, import of rosters."""

from .export import oneroster_export
from .importer import oneroster_import

__all__ = ["oneroster_export", "oneroster_import"]
