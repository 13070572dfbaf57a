"""API clients: DRF's test client, signed in by token (as a program would) or by session."""

import pytest
from rest_framework.test import APIClient

from api.services import token_create


@pytest.fixture
def api():
    """A client speaking English with JSON bodies; `api.as_user(user)` signs it in with a real token."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.default_format = "json"

    def as_user(user, language: str = "en"):
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user).key}", HTTP_ACCEPT_LANGUAGE=language)
        return client

    client.as_user = as_user
    return client
