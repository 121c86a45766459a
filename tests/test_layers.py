"""Tasks import services, never the other way round: no module but a tasks module, a
management command or the Celery app imports a tasks module (work is queued by name
through wuxing/queueing.py)."""

import ast
from pathlib import Path

from django.conf import settings

ENTRY_POINTS = ("tasks.py", "celery.py")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            found |= {f"{module}.{alias.name}".lstrip(".") for alias in node.names}
            found.add(module)
    return found


def test_no_service_imports_a_tasks_module():
    offenders = []
    for package in ("scoring", "wuxing", "villages"):
        for path in (Path(settings.BASE_DIR) / package).rglob("*.py"):
            if path.name in ENTRY_POINTS or "management" in path.parts \
                    or "migrations" in path.parts:
                continue
            if any(name == "tasks" or name.endswith(".tasks") for name in _imports(path)):
                offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert not offenders, f"import tasks only from entry points: {offenders}"
