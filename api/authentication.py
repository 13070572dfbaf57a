"""API tokens last `API["TOKEN_DAYS"]` days from when they were made, as a session lasts 12 hours.

A token is made on the API token page, behind the login (and its second factor, where the user has
one), so it never skips the password or the code; it is long-lived because a program uses it. Past
its lifetime the token is refused with a message saying where to make a new one; a deactivated
user's token is refused at once (the REST framework checks `is_active`).
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def token_expires_at(token) -> dt.datetime:
    return token.created + dt.timedelta(days=settings.API["TOKEN_DAYS"])


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if timezone.now() >= token_expires_at(token):
            raise AuthenticationFailed(
                _("This API token expired on %(day)s. Make a new one on the API token page.")
                % {"day": timezone.localtime(token_expires_at(token)).date().isoformat()}
            )
        return user, token
