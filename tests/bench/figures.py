"""Writing a benchmark's figures into its section of docs/PERFORMANCE.md."""

import re
from pathlib import Path

from django.conf import settings


def write_section(title: str, lines: list[str]) -> None:
    """Replace (or append) the section "## <title>" of docs/PERFORMANCE.md."""
    path = Path(settings.BASE_DIR) / "docs" / "PERFORMANCE.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    section = f"## {title}\n\n" + "\n".join(lines) + "\n"
    pattern = re.compile(rf"## {re.escape(title)}\n.*?(?=\n## |\Z)", re.S)
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) \
        else text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
