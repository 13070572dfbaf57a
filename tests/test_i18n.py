"""The Simplified Chinese catalogue: complete, placeholder-safe, and what the pages actually serve.

`test_chinese_catalogue_is_complete` regenerates the catalogue from a copy of the
source, exactly as `make makemessages` does, so a new string without a translation
fails here with the msgids to translate.
"""

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.urls import reverse

from tests.factories import HardshipFileFactory

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# The directories `make makemessages` leaves out, plus what is never source.
IGNORED_DIRS = {".venv", "tests", "bench", "docs", ".git", "__pycache__", "staticfiles", "media", "node_modules"}
SOURCE_SUFFIXES = {".py", ".html", ".txt"}  # what makemessages reads for the "django" domain
MAKEMESSAGES = [
    "makemessages",
    "-l",
    "zh_Hans",
    "--ignore=.venv",
    "--ignore=bench",
    "--ignore=tests",
    "--ignore=docs",
    "--no-obsolete",
]

PRINTF = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{[^{}]*\}")
MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|&#?\w+;")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _copy_source(dest: Path) -> None:
    """The project's translatable source and its locale dir, without the ignored trees."""
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS and not d.startswith(".")]
        here = Path(dirpath)
        rel = here.relative_to(ROOT)
        in_locale = rel.parts[:1] == ("locale",)
        for name in filenames:
            if in_locale or Path(name).suffix in SOURCE_SUFFIXES:
                target = dest / rel / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(here / name, target)


def test_chinese_catalogue_is_complete(tmp_path):
    assert shutil.which("xgettext") and shutil.which("msgmerge"), "gettext is not installed (apt-get install gettext)"
    _copy_source(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTHONPATH"}}
    env["DJANGO_SETTINGS_MODULE"] = "hardship.settings.test"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    po = polib.pofile(str(tmp_path / PO_PATH.relative_to(ROOT)))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated and not fuzzy, (
        "locale/zh_Hans/LC_MESSAGES/django.po is out of date. Run `make makemessages`, then translate:\n"
        + "".join(f"  untranslated: {m!r}\n" for m in untranslated)
        + "".join(f"  fuzzy:        {m!r}\n" for m in fuzzy)
    )


def test_committed_catalogue_header_and_entries():
    po = _catalogue()
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "zh_Hans"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert po.percent_translated() == 100
    assert not po.fuzzy_entries()


def _pairs(entry: polib.POEntry) -> list[tuple[str, str]]:
    if entry.msgid_plural:
        return [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
    return [(entry.msgid, entry.msgstr)]


def _placeholders(text: str, entry: polib.POEntry) -> Counter:
    found = Counter(MARKUP.findall(text))
    if "python-format" in entry.flags:
        found.update(PRINTF.findall(text))
    if "python-brace-format" in entry.flags or BRACES.search(entry.msgid):
        found.update(BRACES.findall(text))
    return found


def test_translations_keep_placeholders_and_markup():
    bad = []
    for entry in _catalogue().translated_entries():
        for source, translation in _pairs(entry):
            if _placeholders(source, entry) != _placeholders(translation, entry):
                bad.append(f"{entry.msgid!r} -> {translation!r}")
    assert not bad, "Placeholders or markup differ from the msgid:\n" + "\n".join(bad)


def test_id_number_messages_say_resident_id_number():
    """Unions call it 身份证号码 everywhere; one term, never a mix of 证件号/身份证号."""
    po = _catalogue()
    entries = [e for e in po if re.search(r"\bID number\b", e.msgid, re.IGNORECASE)]
    assert entries
    assert all("身份证号码" in e.msgstr for e in entries), [e.msgid for e in entries if "身份证号码" not in e.msgstr]
    assert "身份证号码" in po.find("An ID number has 18 characters; this one has %(n)d.").msgstr


@pytest.fixture
def compiled_catalogue(tmp_path, settings):
    """Serve the committed .po, compiled now: a stale or missing .mo must not decide these tests."""
    target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    _catalogue().save_as_mofile(str(target / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]  # the setting_changed signal resets Django's translations
    return _catalogue()


def test_pages_speak_chinese_and_english(compiled_catalogue, cadre, client_for):
    nav = [compiled_catalogue.find(m).msgstr for m in ("Dashboard", "Files", "Log out")]
    assert all(CJK.search(text) for text in nav)

    page = client_for(cadre, "zh-hans").get(reverse("dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="zh-hans"' in html
    for text in nav:
        assert text in html
    assert "Dashboard" not in html

    page = client_for(cadre, "en").get(reverse("dashboard"))
    html = page.content.decode()
    assert '<html lang="en"' in html
    assert "Dashboard" in html
    assert not any(text in html for text in nav)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_yuan_amounts_have_two_decimals(compiled_catalogue, cadre, client_for, group_a1, language):
    hfile = HardshipFileFactory(
        unit=group_a1,
        worker_income=Decimal("1000"),
        household_income=Decimal("1000"),
        per_capita_income=Decimal("1000"),
    )
    client = client_for(cadre, language)

    listing = client.get(reverse("cases:file_list")).content.decode()
    assert "¥1000.00" in listing

    detail = client.get(hfile.get_absolute_url()).content.decode()
    assert "¥1000.00" in detail
    assert not re.search(r"¥1000(?![.\d])", detail)
