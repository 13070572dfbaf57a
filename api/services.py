"""API tokens: one per user, replaced or revoked by its owner."""

from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def token_create(*, user) -> Token:
    """A new token for `user`; the old one stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def token_revoke(*, user) -> int:
    """Delete the user's token; returns how many were deleted (0 or 1)."""
    return Token.objects.filter(user=user).delete()[0]
