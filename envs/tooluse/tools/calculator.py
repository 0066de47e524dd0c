"""A safe calculator: an AST-walking evaluator with hard limits. Never ``eval``/``exec``.

Only number literals, ``+ - * / // % **``, unary signs, parentheses, a few named
constants and a whitelist of math functions are allowed. Limits: expression length,
AST node count, nesting depth, exponent size and result magnitude — so ``9**9**9`` or
``10**10**10`` is refused instantly instead of hanging the process.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

from envs.tooluse.tools.base import Tool, ToolError

MAX_EXPRESSION_CHARS = 300
MAX_NODES = 120
MAX_DEPTH = 30
MAX_ABS_EXPONENT = 1000
MAX_MAGNITUDE = 1e300

_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}
_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}


def _checked(value: float) -> float:
    if isinstance(value, complex) or math.isnan(value) or math.isinf(value) or abs(value) > MAX_MAGNITUDE:
        raise ToolError("result out of range")
    return value


def _log(x: float, base: float = math.e) -> float:
    return math.log(x, base)


_FUNCTIONS: dict[str, tuple[Callable[..., float], int, int]] = {
    # name: (function, min args, max args)
    "sqrt": (math.sqrt, 1, 1), "abs": (abs, 1, 1), "round": (round, 1, 2), "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1), "log": (_log, 1, 2), "log10": (math.log10, 1, 1), "log2": (math.log2, 1, 1),
    "exp": (math.exp, 1, 1), "sin": (math.sin, 1, 1), "cos": (math.cos, 1, 1), "tan": (math.tan, 1, 1),
    "min": (min, 1, 10), "max": (max, 1, 10),
}


def safe_calculate(expression: str) -> float:
    """Evaluate an arithmetic expression safely; raises :class:`ToolError` on anything else.

    >>> safe_calculate("2 * (3 + 4) ** 2 / 7")
    14.0
    """
    if not isinstance(expression, str):
        raise ToolError("expression must be a string")
    text = expression.replace("^", "**").replace("×", "*").replace("÷", "/").strip()
    if not text:
        raise ToolError("empty expression")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ToolError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError) as exc:
        raise ToolError(f"cannot parse expression: {getattr(exc, 'msg', str(exc))}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ToolError(f"expression has more than {MAX_NODES} parts")
    try:
        return float(_checked(_eval(tree.body, 0)))
    except ToolError:
        raise
    except ZeroDivisionError:
        raise ToolError("division by zero") from None
    except (ValueError, OverflowError, TypeError) as exc:
        raise ToolError(f"math error: {exc}") from None


def _eval(node: ast.AST, depth: int) -> float:
    if depth > MAX_DEPTH:
        raise ToolError("expression nested too deeply")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ToolError(f"unsupported literal {node.value!r}")
        return _checked(float(node.value))
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise ToolError(f"unknown name {node.id!r}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        value = _eval(node.operand, depth + 1)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left = _eval(node.left, depth + 1)
        right = _eval(node.right, depth + 1)
        if isinstance(node.op, ast.Pow):
            if abs(right) > MAX_ABS_EXPONENT:
                raise ToolError(f"exponent {right:g} too large (limit {MAX_ABS_EXPONENT})")
            if left != 0 and right * math.log10(abs(left)) > 300:
                raise ToolError("result out of range")
            return _checked(math.pow(left, right))
        op = _BINARY.get(type(node.op))
        if op is None:
            raise ToolError(f"operator {type(node.op).__name__} is not allowed")
        return _checked(op(left, right))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
            name = node.func.id if isinstance(node.func, ast.Name) else "?"
            raise ToolError(f"function {name!r} is not allowed; allowed: {', '.join(sorted(_FUNCTIONS))}")
        func, lo, hi = _FUNCTIONS[node.func.id]
        if not lo <= len(node.args) <= hi:
            raise ToolError(f"{node.func.id} takes {lo}..{hi} arguments")
        args = [_eval(a, depth + 1) for a in node.args]
        if node.func.id == "round" and len(args) == 2:
            args[1] = int(args[1])
        if node.func.id == "exp" and args[0] > 690:
            raise ToolError("result out of range")
        return _checked(float(func(*args)))
    raise ToolError(f"unsupported syntax: {type(node).__name__}")


def significant(value: float, digits: int = 10) -> float | int:
    """``value`` to ``digits`` significant digits (integers stay integers): small results keep
    their digits (``1/30000`` is 3.333333333e-05, not the 0.0 four decimals would give).

    >>> significant(1 / 30000), significant(2 / 3), significant(12.0)
    (3.333333333e-05, 0.6666666667, 12)
    """
    if float(value).is_integer() and abs(value) < 1e15:
        return int(value)
    return float(f"{float(value):.{digits}g}")


def _calculator(world: object, expression: str) -> dict[str, object]:
    return {"expression": expression, "result": significant(safe_calculate(expression))}


TOOLS = [
    Tool(
        name="calculator",
        description=(
            "Evaluate an arithmetic expression. Supports + - * / // % ** (or ^), parentheses, "
            "pi, e and the functions sqrt, abs, round, floor, ceil, log, log10, log2, exp, sin, "
            "cos, tan, min, max."
        ),
        parameters={"expression": {"type": "string", "description": "e.g. '(12.5 * 3) / 4'"}},
        required=("expression",),
        func=_calculator,
        time_sensitive=False,
    )
]
