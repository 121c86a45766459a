"""Reading YAML nodes with line numbers, collecting every problem on the way."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from yaml.nodes import MappingNode, Node, ScalarNode

from .common import (
    _T,
    Problem,
    chinese,
)


class _Reader:
    """Walks the composed YAML node tree, converting values and collecting problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.version = 1  # the file's format version, once read
        self.lines: dict[str, int] = {}  # indicator code -> line of its formula

    def problem(self, node: Node | int, code: str, **params: object) -> None:
        line = node if isinstance(node, int) else node.start_mark.line + 1
        message = chinese(code, params)
        self.problems.append(Problem(line, message, code, params))

    def mapping(self, node: Node, where: str, allowed: tuple[str, ...],
                required: tuple[str, ...] = ()) -> dict[str, Node] | None:
        """Keys to value nodes; reports unknown, duplicate and missing keys."""
        if not isinstance(node, MappingNode):
            self.problem(node, "not_mapping", where=where)
            return None
        values: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node.value)
            if key not in allowed:
                self.problem(key_node, "unknown_key", key=key)
            elif key in values:
                self.problem(key_node, "duplicate_key", key=key)
            else:
                values[key] = value_node
        for key in required:
            if key not in values:
                self.problem(node, "missing_key", key=key)
        return values

    def string(self, node: Node, key: str, allow_int: bool = False) -> str | None:
        if isinstance(node, ScalarNode) and (
            node.tag == _T + "str" or (allow_int and node.tag == _T + "int")
        ):
            return node.value
        self.problem(node, "not_string", key=key)
        return None

    def integer(self, node: Node, key: str, low: int | None = None,
                high: int | None = None) -> int | None:
        if not (isinstance(node, ScalarNode) and node.tag == _T + "int"):
            self.problem(node, "not_integer", key=key)
            return None
        try:
            value = int(node.value.replace("_", ""))
        except ValueError:
            self.problem(node, "not_integer", key=key)
            return None
        return self._ranged(node, key, value, low, high)

    def number(self, node: Node, key: str, low: int | None = None,
               high: int | None = None) -> Decimal | None:
        value = _decimal(node)
        if value is None:
            self.problem(node, "not_number", key=key)
            return None
        return self._ranged(node, key, value, low, high)

    def _ranged(self, node: Node, key: str, value, low, high):
        if (low is not None and value < low) or (high is not None and value > high):
            self.problem(node, "out_of_range", key=key, low=low, high=high)
            return None
        return value

    def boolean(self, node: Node, key: str) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == _T + "bool":
            return node.value.lower() in ("true", "yes", "on", "y")
        self.problem(node, "not_bool", key=key)
        return None

    def choice(self, node: Node, key: str, allowed: tuple[str, ...], code: str) -> str | None:
        value = node.value if isinstance(node, ScalarNode) else None
        if value not in allowed:
            self.problem(node, code, value=value, allowed="、".join(allowed))
            return None
        return value


def _decimal(node: Node) -> Decimal | None:
    # Read numbers from the source text, not through float, so 0.1 stays 0.1.
    if not (isinstance(node, ScalarNode) and node.tag in (_T + "int", _T + "float")):
        return None
    try:
        value = Decimal(node.value.replace("_", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
