"""What aid notifications say, in the reader's language (registered with notices.kinds).

Rows hold the request's number, household, type (both names), amount, level and
comment; the sentence is made when the reader opens the list.
"""

from django.utils.translation import get_language, gettext

from notices.kinds import register


def _type(params: dict) -> str:
    english = (get_language() or "").startswith("en")
    return (params.get("type_en") or params["type_zh"]) if english else params["type_zh"]


def _subject(params: dict) -> dict:
    return {"pk": params["pk"], "household": params["household"], "type": _type(params), "amount": params["amount"]}


def _with_comment(body: str, params: dict) -> str:
    comment = params.get("comment", "")
    return body + ("\n" + gettext("Comment: %(comment)s") % {"comment": comment} if comment else "")


@register("aid.waiting")
def _waiting(params: dict) -> tuple[str, str]:
    title = gettext("Aid request no. %(pk)s waits for your decision") % _subject(params)
    body = gettext("%(household)s · %(type)s · %(amount)s yuan") % _subject(params)
    if params.get("days"):
        body += "\n" + gettext("Escalated to you after %(days)s days without a decision at the level below.") % {
            "days": params["days"]
        }
    return title, body


@register("aid.decided")
def _decided(params: dict) -> tuple[str, str]:
    """The requester's news: every decision and event on their request."""
    titles = {
        "approve": gettext("Aid request no. %(pk)s was approved"),
        "approve_level": gettext(
            "Aid request no. %(pk)s was approved at level %(level)s and goes on to the next level"
        ),
        "reject": gettext("Aid request no. %(pk)s was rejected"),
        "return": gettext("Aid request no. %(pk)s was returned for changes"),
        "pay": gettext("Aid request no. %(pk)s was paid"),
        "reverse": gettext("The payment of aid request no. %(pk)s was reversed"),
        "escalate": gettext("Aid request no. %(pk)s was escalated to the next level"),
    }
    title = titles[params["action"]] % {**_subject(params), "level": params.get("level", "")}
    body = gettext("%(household)s · %(type)s · %(amount)s yuan") % _subject(params)
    return title, _with_comment(body, params)
