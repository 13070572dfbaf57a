"""The error pages: a lost database answers 503 in both languages with no trace of the error; anything else 500."""

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import translation

from hardship.errors import server_error


def _answer(exc: Exception, language: str):
    request = RequestFactory().get("/")
    with translation.override(language):
        try:
            raise exc
        except Exception:
            return server_error(request)


@pytest.mark.parametrize(
    ("language", "first", "second"),
    [("en", "Please try again", "请稍后再试"), ("zh-hans", "请稍后再试", "Please try again")],
)
def test_a_lost_database_gets_the_503_page_in_the_readers_language_first_then_the_other(language, first, second):
    wrapped = RuntimeError("while rendering")
    wrapped.__cause__ = OperationalError("server closed the connection unexpectedly")
    response = _answer(wrapped, language)
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    assert 0 < page.index(first) < page.index(second)
    assert "OperationalError" not in page and "server closed" not in page and "Traceback" not in page


def test_any_other_error_gets_the_plain_500_page():
    response = _answer(ValueError("secret detail"), "en")
    page = response.content.decode()
    assert response.status_code == 500 and "Something went wrong" in page and "出错了" in page
    assert "secret detail" not in page and "ValueError" not in page
