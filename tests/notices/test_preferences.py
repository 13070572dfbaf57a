""" "My settings": each user chooses the language of their notifications and e-mails, and whether to get e-mails."""

import pytest
from django.urls import reverse

from notices.models import Preference
from notices.services import notification_create

pytestmark = pytest.mark.django_db
SETTINGS = reverse("notices:preferences")
PARAMS = {"month": "2026-03", "total": 1, "overdue": 0, "names": ["王某"]}


def test_the_settings_page_is_linked_from_the_navigation(client_for, cadre):
    assert f'href="{SETTINGS}"' in client_for(cadre).get(reverse("dashboard")).content.decode()


def test_without_a_preference_the_page_offers_the_site_language_and_e_mail(client_for, cadre, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    form = client_for(cadre).get(SETTINGS).context["form"]
    assert form.initial == {"language": "zh-hans", "email": True}


def test_a_user_saves_their_language_and_turns_e_mail_off(client_for, cadre):
    client = client_for(cadre)
    response = client.post(SETTINGS, {"language": "en"})
    assert response.status_code == 302 and response["Location"] == SETTINGS
    assert Preference.objects.values_list("user", "language", "email").get() == (cadre.pk, "en", False)
    client.post(SETTINGS, {"language": "zh-hans", "email": "on"})
    assert Preference.objects.values_list("user", "language", "email").get() == (cadre.pk, "zh-hans", True)
    assert client.get(SETTINGS).context["form"].initial == {"language": "zh-hans", "email": True}


@pytest.mark.parametrize("language", ["fr", "", "zh-hant", "en" * 30])
def test_a_language_other_than_chinese_or_english_is_refused_and_nothing_saved(client_for, cadre, language):
    Preference.objects.create(user=cadre, language="en", email=True)
    response = client_for(cadre).post(SETTINGS, {"language": language, "email": ""})
    assert response.status_code == 200
    assert "Choose Simplified Chinese or English." in response.content.decode() or not language
    assert response.context["form"].errors["language"]
    assert Preference.objects.values_list("language", "email").get() == ("en", True)


def test_saving_changes_only_the_users_own_settings(client_for, cadre, cadre_other_branch):
    Preference.objects.create(user=cadre_other_branch, language="zh-hans", email=True)
    client_for(cadre).post(SETTINGS, {"language": "en", "user": cadre_other_branch.pk})
    assert Preference.objects.get(user=cadre_other_branch).language == "zh-hans"
    assert Preference.objects.get(user=cadre).language == "en"


def test_the_settings_page_needs_a_login(client):
    assert client.get(SETTINGS).status_code == 302
    client.post(SETTINGS, {"language": "en"})
    assert not Preference.objects.exists()


def test_notifications_read_in_the_chosen_language_whatever_the_page_language(client_for, cadre):
    notification_create(user_id=cadre.pk, kind="visits.monthly", params=PARAMS)
    Preference.objects.create(user=cadre, language="zh-hans")
    page = client_for(cadre, "en").get(reverse("notices:notification_list")).content.decode()
    assert "2026-03 应走访 1 户" in page and "Mark all as read" in page
    Preference.objects.filter(user=cadre).update(language="en")
    page = client_for(cadre, "zh-hans").get(reverse("notices:notification_list")).content.decode()
    assert "1 household to visit in 2026-03" in page and "全部标为已读" in page


def test_without_a_preference_notifications_follow_the_page_language(client_for, cadre):
    notification_create(user_id=cadre.pk, kind="visits.monthly", params=PARAMS)
    page = client_for(cadre, "zh-hans").get(reverse("notices:notification_list")).content.decode()
    assert "2026-03 应走访 1 户" in page
