"""Hostile input at every form: no server error, nothing stored that should not be, output always escaped.

The forms are found, not listed: for every URL of the permission matrix, the persona that may
open it (a branch chair first, then a cadre, then federation staff) loads the page, every
`<form method="post">` on it is parsed, and Hypothesis fills its fields with very long strings,
control characters, script tags, SQL fragments, mixed scripts, huge and non-finite numbers and
impossible dates. A new page with a new form is fuzzed without touching this file.

After each post the response (and the page it redirects to) must not contain our markup
unescaped; after the run no text column anywhere holds a NUL or another C0 control character
(besides tab, newline and carriage return) and no numeric column holds NaN, infinity or more
than an absurd amount.
"""

import math
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.workflow import FileStatus
from tests.factories import HardshipFileFactory
from tests.test_url_matrix import MATRIX

PREFERENCE = ["branch_chair", "cadre", "federation_staff", "chair_other_branch", "cadre_a2", "nobody"]
OUR_APPS = {"org", "cases", "visits", "funds", "notices", "reports"}
SCRIPT = "<script>fz()</script>"
IMG = '"><img src=x onerror=fz()>'
RAW_MARKERS = ("<script>fz()", "<img src=x onerror=fz()>")
# Forms whose posting ends the session or leaves the site: nothing of ours to fuzz there.
SKIP_ACTIONS = ("/logout/", "/i18n/setlang/", "/admin/")  # matched anywhere in the path

HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            SCRIPT,
            IMG,
            "'; DROP TABLE cases_hardshipfile; --",
            "1 OR 1=1",
            "%s %(x)s {0} {{ x }}",
            "\x00",
            "张三\x00明",
            "\u202eevil\u202c",
            "Ἀθῆναι العربية 张三 \U0001f600",
            "x" * 10_000,
            " ",
            "",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60),
)
HOSTILE_NUMBER = st.sampled_from(
    ["-1", "0", "-0", "1e400", "NaN", "Infinity", "-Infinity", "9" * 40, "0.0000001", "1,000", "１２３", "12.345"]
)
HOSTILE_DATE = st.sampled_from(["2025-02-30", "0000-00-00", "9999-12-31", "1900-01-01", "31/12/2025", "yesterday"])


class _Forms(HTMLParser):
    """The POST forms of a page: action, and every named field with its type, value and options."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._form = {
                    "action": a.get("action") or "",
                    "fields": {},
                    "multipart": "multipart" in (a.get("enctype") or ""),
                }
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._form is not None and self._select:
                select = self._form["fields"][self._select]
                select["options"].append(a.get("value", ""))
                if "selected" in a:
                    select["value"] = a.get("value", "")
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset"}:
                return
            value = a.get("value", "")
            if kind in {"checkbox", "radio"} and "checked" not in a:
                value = None  # not sent unless checked
            field = self._form["fields"].setdefault(name, {"type": kind, "value": value, "options": []})
            if kind in {"checkbox", "radio"} and value is not None:
                field["value"] = value
        elif tag == "textarea":
            self._form["fields"].setdefault(name, {"type": "textarea", "value": "", "options": []})
            self._textarea = name
        elif tag == "select":
            self._form["fields"].setdefault(name, {"type": "select", "value": "", "options": []})
            self._select = name

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea]["value"] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def _post_forms(html: str, page_url: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    forms = []
    for form in parser.forms:
        action = urlsplit(urljoin(page_url, form["action"] or page_url))
        if action.netloc not in ("", "testserver") or any(skip in action.path for skip in SKIP_ACTIONS):
            continue
        form = form | {"action": action.path + (f"?{action.query}" if action.query else "")}
        if form not in forms:
            forms.append(form)
    return forms


def _strategy(field: dict):
    kind = field["type"]
    if kind == "hidden" or kind == "file":
        return st.just(field["value"])  # version tokens and the like: the form's own value
    if kind in {"checkbox", "radio"}:
        return st.sampled_from(["on", field["value"] or "on", "", "x" * 300])
    if kind == "select":
        return st.one_of(st.sampled_from(field["options"] or [""]), HOSTILE_TEXT, HOSTILE_NUMBER)
    if kind == "number":
        return st.one_of(HOSTILE_NUMBER, HOSTILE_TEXT)
    if kind in {"date", "datetime-local", "month"}:
        return st.one_of(HOSTILE_DATE, HOSTILE_TEXT)
    return st.one_of(HOSTILE_TEXT, HOSTILE_NUMBER, HOSTILE_DATE)


def _assert_escaped(response) -> None:
    if "text/html" not in response.get("Content-Type", "") or response.streaming:
        return
    body = response.content.decode(errors="replace")
    for marker in RAW_MARKERS:
        assert marker not in body, f"unescaped {marker!r} in {response.request['PATH_INFO']}"


def _persona(expected: dict) -> str | None:
    return next((p for p in PREFERENCE if expected.get(p) == 200), None)


def _pages_with_forms() -> list[str]:
    return sorted(name for name, (_build, expected) in MATRIX.items() if _persona(expected))


def _assert_nothing_hostile_stored() -> None:
    control = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                for value in model._default_manager.values_list(field.attname, flat=True).iterator():
                    assert not (value and control.search(value)), f"{model.__name__}.{field.name} holds {value!r}"
            elif isinstance(field, models.DecimalField):
                for value in model._default_manager.values_list(field.attname, flat=True).iterator():
                    if value is None:
                        continue
                    assert value.is_finite(), f"{model.__name__}.{field.name} holds {value}"
                    assert abs(value) <= Decimal("1e9"), f"{model.__name__}.{field.name} holds {value}"
            elif isinstance(field, models.FloatField):
                for value in model._default_manager.values_list(field.attname, flat=True).iterator():
                    assert value is None or math.isfinite(value), f"{model.__name__}.{field.name} holds {value}"


@pytest.fixture
def submitted_file(group_a1, cadre):
    return HardshipFileFactory(unit=group_a1, created_by=cadre, status=FileStatus.SUBMITTED)


@pytest.mark.parametrize("name", _pages_with_forms())
def test_hostile_input_at_every_form(
    request, client, submitted_file, cadre_a2, cadre_other_branch, chair_other_branch, branch_chair,
    federation_staff, nobody, name,
):  # fmt: skip
    build, expected = MATRIX[name]
    persona = _persona(expected)
    user = request.getfixturevalue(persona)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse(name, args=build(submitted_file))
    page = client.get(url)
    assert page.status_code == 200
    if "text/html" not in page.get("Content-Type", ""):
        return  # a download (PDF, attachment): no form on it
    _assert_escaped(page)
    forms = [f for f in _post_forms(page.content.decode(), url) if f["fields"]]
    if not forms:
        return  # a page without a form is covered by the matrix; nothing to post here

    @settings(
        max_examples=6,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def post_hostile(data):
        client.force_login(user)  # a form may end the session (a password change, say): start each example signed in
        for form in forms:
            # The form as the page filled it in, with one to three fields made hostile: most posts get past
            # the other fields' validation, so hostile values are saved and shown again, not just refused.
            names = sorted(n for n, spec in form["fields"].items() if spec["type"] not in {"hidden", "file"})
            hostile = (
                set(data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3), label="fields"))
                if names
                else set()
            )
            values = {}
            for field, spec in form["fields"].items():
                if field == "csrfmiddlewaretoken":
                    continue
                value = data.draw(_strategy(spec), label=field) if field in hostile else spec["value"]
                if value is not None:
                    values[field] = value
            response = client.post(form["action"], values)
            assert response.status_code < 500, f"{form['action']} answered {response.status_code} to {values!r}"
            _assert_escaped(response)
            if response.status_code == 302 and urlsplit(response["Location"]).netloc in ("", "testserver"):
                followed = client.get(response["Location"])
                assert followed.status_code < 500
                _assert_escaped(followed)

    post_hostile()
    _assert_nothing_hostile_stored()


def test_the_fuzzer_reaches_storage_and_the_page_escapes_it(client, file_a1, cadre):
    """The harness's own check: a form filled in as the page offers it, one field made hostile, saves; the
    stored value comes back escaped on the file page (so the escaping assertions above test real output)."""
    client.force_login(cadre)
    url = reverse("cases:file_update", args=[file_a1.pk])
    (form,) = [f for f in _post_forms(client.get(url).content.decode(), url) if "name" in f["fields"]]
    values = {n: s["value"] for n, s in form["fields"].items() if s["value"] is not None}
    values["address"] = SCRIPT + IMG
    response = client.post(form["action"], values)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    file_a1.refresh_from_db()
    assert file_a1.address == SCRIPT + IMG
    page = client.get(reverse("cases:file_detail", args=[file_a1.pk])).content.decode()
    assert "&lt;script&gt;fz()&lt;/script&gt;" in page
    assert not any(marker in page for marker in RAW_MARKERS)
    values["name"] = "张三\x00明"
    assert client.post(form["action"], values).status_code == 200  # refused with a message
    file_a1.refresh_from_db()
    assert "\x00" not in file_a1.name
