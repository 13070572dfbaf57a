from hardship import versioned


def test_values_are_computed_once_per_data_version():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert versioned.remember("k", compute) == 1
    assert versioned.remember("k", compute) == 1
    versioned.bump()
    assert versioned.remember("k", compute) == 2
    assert len(calls) == 2


def test_an_emptied_shared_cache_never_revives_old_copies():
    from django.core.cache import cache

    versioned.remember("k", lambda: "old")
    cache.clear()  # e.g. Redis restarted
    assert versioned.remember("k", lambda: "new") == "new"


def test_a_role_change_reaches_a_request_in_flight_no_later_than_the_next(client_for, cadre, file_a1, group_a1):
    from django.urls import reverse

    from org.models import Membership

    client = client_for(cadre)
    assert client.get(file_a1.get_absolute_url()).status_code == 200
    Membership.objects.filter(user=cadre).delete()
    assert client.get(file_a1.get_absolute_url()).status_code == 404
    assert client.get(reverse("cases:file_list")).context["page"].items == []
