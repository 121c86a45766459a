"""Uploaded file names, made safe to show: one helper for every place that stores one."""

import re
import unicodedata

from django.utils.translation import gettext as _

# Control (Cc), format (Cf: bidi overrides and isolates, zero-width characters, BOM, tag
# characters), surrogate, private-use and unassigned code points never belong in a name.
_DROPPED = {"Cc", "Cf", "Cs", "Co", "Cn"}
# Printable by Unicode's categories but shown as nothing: fillers used to fake blank names.
_INVISIBLE = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
_SPACES = re.compile(r"\s+")


def display_name(name: str, limit: int = 200) -> str:
    """`name` without bidi, zero-width and control characters, blanks collapsed, cut to
    `limit`; never empty ("Unnamed file" instead)."""
    text = unicodedata.normalize("NFC", name or "")
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category in ("Zl", "Zp"):
            kept.append(" ")  # tabs, newlines and line separators become one blank
        elif category not in _DROPPED and char not in _INVISIBLE:
            kept.append(char)
    cleaned = _SPACES.sub(" ", "".join(kept)).strip()
    return cleaned[:limit].strip() or _("Unnamed file")
