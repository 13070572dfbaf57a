from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    """{{ amount|yuan }}: ¥1,500.00, a debit as −¥1,500.00 (the sign before the currency, as accountants write it)."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value)
    return f"{'−' if amount < 0 else ''}¥{abs(amount):,.2f}"
