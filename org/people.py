"""How a person's name is shown: Chinese names family name first, without a space."""

import unicodedata


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("CJK") for ch in text)


def display_name(user) -> str:
    if user is None:
        return ""
    first, last = user.first_name.strip(), user.last_name.strip()
    if _is_cjk(first + last):
        return f"{last}{first}" or user.get_username()
    return f"{first} {last}".strip() or user.get_username()
