"""The OpenAPI schema: every operation also documents the error responses it can give."""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

ERROR_STATUSES = {
    "400": "Bad input: field errors in the caller's language.",
    "401": "Not signed in.",
    "403": "Signed in, but the role does not allow this.",
    "404": "Not found, or outside the caller's units (the same answer).",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "415": "Unsupported media type.",
    "429": "Too many requests.",
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict:
        bodies = super()._get_response_bodies(direction)
        for status, description in ERROR_STATUSES.items():
            if status not in bodies:
                bodies[status] = self._get_response_for_code(
                    OpenApiResponse(OpenApiTypes.OBJECT, description=description), status, direction=direction
                )
        return bodies
