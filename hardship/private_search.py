"""Searches by name or ID number without the name or number in the URL.

A search form posts its text; the text is kept in the user's session under a random
token and the browser is sent to the list with `?s=<token>` (with the other, harmless
filters as they were). The URL, the browser history, the proxy's log and a Referer
header then hold the token, never the name or the ID number.
"""

import secrets

from django.http import HttpRequest, HttpResponseRedirect, QueryDict

SESSION_KEY = "private_searches"
SEARCH_PARAM = "s"
KEPT = 20  # the last searches of a session; an older token finds nothing
DROPPED = ("csrfmiddlewaretoken", "after", "before", SEARCH_PARAM)


def search_redirect(request: HttpRequest, field: str = "q") -> HttpResponseRedirect:
    """The POSTed search, its text moved into the session: back to the same page by GET."""
    params = request.POST.copy()
    text = (params.pop(field, None) or [""])[-1].strip()
    for name in DROPPED:
        params.pop(name, None)
    if text:
        searches = request.session.get(SESSION_KEY, {})
        token = secrets.token_urlsafe(9)
        searches[token] = {"field": field, "text": text}
        request.session[SESSION_KEY] = dict(list(searches.items())[-KEPT:])
        params[SEARCH_PARAM] = token
    query = params.urlencode()
    return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)


def search_params(request: HttpRequest) -> QueryDict:
    """The GET parameters with the token replaced by the search text it stands for."""
    params = request.GET.copy()
    token = params.pop(SEARCH_PARAM, [None])[-1]
    stored = request.session.get(SESSION_KEY, {}).get(token) if token else None
    if stored:
        params[stored["field"]] = stored["text"]
    return params
