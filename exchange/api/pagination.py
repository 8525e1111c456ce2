"""Pages of at most 500 rows (100 by default), with the tombstones of an incremental sync."""

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response


class PagePagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 500


class SyncPagination(PagePagination):
    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["deleted"] = getattr(self, "deleted", [])
        return Response(response.data)

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["deleted"] = {
            "type": "array",
            "items": {"type": "object", "additionalProperties": True},
            "description": (
                "What was deleted since updated_since (on the first page only), each named as the results name "
                "their records: "
                '{"id": …}; a mark {"lesson_id", "student_id", "position"}; attendance {"lesson_id", "student_id"}. '
                "A deleted student means: forget the student's records (the family no longer allows the portal)."
            ),
        }
        schema["required"] = [*schema.get("required", []), "deleted"]
        return schema
