"""Derived values (format 2): arithmetic over indicators and village facts.

Formulas are parsed and evaluated by simpleeval, a maintained safe-expression library
(never `eval`). On top of what simpleeval refuses, :func:`check_formula` allows only
``+ - * /``, parentheses, numbers, names and ``min``/``max``/``abs``, and a divisor that
cannot be zero: a non-zero number, a positive village fact (population, households,
area) or ``max(…, n)`` with n > 0. Numbers are Decimals throughout, so 0.1 stays 0.1.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from simpleeval import SimpleEval

from .model import POSITIVE_FACTS

_FUNCTIONS = {"min": min, "max": max, "abs": abs}
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


class _DecimalEval(SimpleEval):
    """simpleeval with Decimal literals (a float literal would not mix with Decimals)."""

    @staticmethod
    def _eval_constant(node):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("only numbers")
        return Decimal(str(value))


_EVALUATOR = _DecimalEval(functions=_FUNCTIONS, names={})


class FormulaProblem(ValueError):
    """code: formula_syntax | formula_zero_division; params word the message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def parse_formula(text: str) -> ast.AST:
    try:
        return _EVALUATOR.parse(text)
    except (SyntaxError, ValueError, TypeError) as exc:
        raise FormulaProblem("formula_syntax", error=str(exc) or text) from None


def formula_names(text: str) -> tuple[str, ...]:
    """The names a formula uses, in order of first use (checks the syntax too)."""
    tree = parse_formula(text)
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
                    and node.args and not node.keywords):
                raise FormulaProblem("formula_syntax", error=ast.unparse(node))
        elif isinstance(node, ast.BinOp):
            if not isinstance(node.op, _BINOPS):
                raise FormulaProblem("formula_syntax", error=ast.unparse(node))
            if isinstance(node.op, ast.Div) and not _never_zero(node.right):
                raise FormulaProblem("formula_zero_division", divisor=ast.unparse(node.right))
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise FormulaProblem("formula_syntax", error=ast.unparse(node))
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise FormulaProblem("formula_syntax", error=ast.unparse(node))
        elif isinstance(node, ast.Name):
            if node.id not in _FUNCTIONS:
                names.append((node.col_offset, node.id))
        elif not isinstance(node, ast.Expr | ast.Expression | ast.Load | ast.operator
                            | ast.unaryop):
            raise FormulaProblem("formula_syntax", error=ast.unparse(node))
    return tuple(dict.fromkeys(name for _, name in sorted(names)))


def _never_zero(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int | float) and node.value != 0
    if isinstance(node, ast.Name):
        return node.id in POSITIVE_FACTS
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == "max":
        # max(x, 1) is at least 1, whatever x is.
        return any(isinstance(a, ast.Constant) and isinstance(a.value, int | float)
                   and a.value > 0 for a in node.args)
    return False


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv}


def compile_formula(text: str) -> Callable[[dict], Decimal]:
    """The checked formula as nested closures, built once per rule set.

    simpleeval parses and :func:`formula_names` allows only the listed node types, so
    this walks a small, known tree; evaluating closures instead of re-walking the tree
    with simpleeval per village keeps a derived value at a few microseconds.
    """
    formula_names(text)  # refuses anything outside the allowed forms
    return _closure(parse_formula(text).value)


def _closure(node: ast.AST) -> Callable[[dict], Decimal]:
    if isinstance(node, ast.Constant):
        value = Decimal(str(node.value))
        return lambda names: value
    if isinstance(node, ast.Name):
        key = node.id
        return lambda names: names[key]
    if isinstance(node, ast.UnaryOp):
        inner = _closure(node.operand)
        if isinstance(node.op, ast.USub):
            return lambda names: -inner(names)
        return inner
    if isinstance(node, ast.BinOp):
        op, left, right = _OPS[type(node.op)], _closure(node.left), _closure(node.right)
        return lambda names: op(left(names), right(names))
    if isinstance(node, ast.Call):
        function = _FUNCTIONS[node.func.id]
        args = [_closure(a) for a in node.args]
        if len(args) == 1:
            only = args[0]
            return lambda names: function(only(names))
        return lambda names: function(*(a(names) for a in args))
    raise FormulaProblem("formula_syntax", error=ast.unparse(node))


def compute(formula: Callable[[dict], Decimal], names: dict[str, object]) -> Decimal | None:
    """The value, or None ("not reported") when an input is missing or not a number.

    A missing input never counts as 0. A positive fact recorded as 0 is a data error the
    village record refuses; should one slip through it also gives "not reported".
    """
    for value in names.values():
        if not isinstance(value, Decimal):
            return None
    try:
        return formula(names)
    except (ZeroDivisionError, InvalidOperation):
        return None
