"""Typed values from what people type: one parser per value kind, Chinese messages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from scoring.models import Indicator, ValueKind

TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "达标", "√", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "无", "未达标", "×", "off"}
MAX_NUMBER = Decimal("99999999999999.99")  # the column holds 16 digits, 2 after the point


def parse(indicator: Indicator, raw) -> Decimal | bool | str:
    """The value for the indicator's kind; ValidationError with a message otherwise."""
    text = "" if raw is None else str(raw).strip()
    if text == "":
        raise ValidationError(_("Enter a value. If nothing changed this month, use "
                                "“No change this month”."))
    if indicator.kind == ValueKind.BOOL:
        return _parse_bool(text)
    if indicator.kind == ValueKind.CHOICE:
        if text not in indicator.choices:
            raise ValidationError(_("Choose one of: %(choices)s.") % {
                "choices": "、".join(indicator.choices)})
        return text
    return _parse_number(indicator.kind, text)


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValidationError(_("Answer yes or no."))


def _parse_number(kind: str, text: str) -> Decimal:
    text = text.replace(",", "").replace("，", "").rstrip("%％")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("“%(text)s” is not a number.") % {"text": text[:20]})
    if not value.is_finite():
        raise ValidationError(_("“%(text)s” is not a number.") % {"text": text[:20]})
    if value < 0:
        raise ValidationError(_("The value cannot be negative."))
    if kind == ValueKind.PERCENT and value > 100:
        raise ValidationError(_("A percentage cannot exceed 100."))
    if kind == ValueKind.COUNT and value != value.to_integral_value():
        raise ValidationError(_("A count must be a whole number."))
    if value > MAX_NUMBER:
        raise ValidationError(_("The number is too large."))
    return value.quantize(Decimal("0.01"))


def display(value) -> str:
    """A stored value as the input shows it: no trailing zeros, yes/no words."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        normal = value.normalize()
        return f"{normal:f}"
    return str(value)


def input_value(value) -> str:
    """The raw string an input field holds for a stored value."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)
