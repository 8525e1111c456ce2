"""Pages of at most 500 rows (100 by default), with the tombstones of an incremental sync."""

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response


class SyncPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 500

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["deleted"] = getattr(self, "deleted", [])
        return Response(response.data)

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["deleted"] = {
            "type": "array",
            "items": {"type": "string", "format": "uuid"},
            "description": "Public ids deleted since updated_since.",
        }
        schema["required"] = [*schema.get("required", []), "deleted"]
        return schema
