from cases.models import Tier


def test_default_tiers_are_the_yunnan_four(db):
    assert list(Tier.objects.order_by("order").values_list("name_zh", flat=True)) == [
        "深度困难",
        "相对困难",
        "意外致困",
        "一般困难",
    ]
