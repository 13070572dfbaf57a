"""The page where a user creates, replaces or revokes their own API token."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .authentication import token_expires_at
from .services import token_create, token_revoke


@login_required
def token_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            token_revoke(user=request.user)
            messages.success(request, _("Your API token was revoked: programs using it can no longer sign in."))
        else:
            token_create(user=request.user)
            messages.success(request, _("A new API token was made; any older one no longer works."))
        return redirect("api:token")
    token = Token.objects.filter(user=request.user).first()
    context = {"token": token, "expires_at": token and token_expires_at(token)}
    context["expired"] = bool(token) and timezone.now() >= context["expires_at"]
    response = render(request, "api/token.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
