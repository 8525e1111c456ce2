"""The gradebook admin, one module per topic; every admin is scoped to the user's schools (``base``)."""

from . import accounts, classes, curriculum, people, school

__all__ = ["accounts", "classes", "curriculum", "people", "school"]
