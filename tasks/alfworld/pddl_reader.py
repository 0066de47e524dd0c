"""A PDDL problem reader: S-expressions to objects, initial facts and the goal formula.

PDDL is an S-expression language, so this reads it as one: a tokenizer (parentheses, names,
``;`` comments to the end of a line, any layout) and a recursive reader that builds nested
lists, then the ``define`` / ``:objects`` / ``:init`` / ``:goal`` sections are read by their
PDDL meaning (typed lists ``a b - t``, atoms, ``and/or/not/imply/exists/forall/=``). Names keep
their case (alfworld's names carry THOR ids); keywords and predicates are case-insensitive and
lowered. Numeric facts (``(= (total-cost) 0)``) are skipped: no ALFWorld action reads them.

Why not the ``pddl`` package: 0.5.1 refuses alfworld's domain (a type named ``object`` is a
keyword there) and reads a problem's quantified goal only with the domain's requirements, so
it cannot read a ``game.tw-pddl`` problem on its own.

>>> p = read_problem("(define (problem p) (:domain d) (:objects a b - object l - location)"
...                  " (:init (at a l) ; a comment\\n (= (cost) 0)) (:goal (exists (?o - object) (at ?o l))))")
>>> p.objects
{'a': 'object', 'b': 'object', 'l': 'location'}
>>> p.init
[('at', 'a', 'l')]
>>> p.goal
['exists', [['?o', 'object']], ['at', '?o', 'l']]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SExpr = str | list["SExpr"]
CONNECTIVES = ("and", "or", "not", "imply")
QUANTIFIERS = ("exists", "forall")


class PDDLError(ValueError):
    """A malformed PDDL text (what is wrong and where)."""


@dataclass
class Problem:
    name: str
    domain: str
    objects: dict[str, str] = field(default_factory=dict)  # name -> type
    init: list[tuple[str, ...]] = field(default_factory=list)  # (predicate, *names)
    goal: Any = None  # formula: ["and", f, ...], ["exists", [[var, type]...], f], [pred, *args]


def tokenize(text: str) -> list[tuple[str, int]]:
    """Tokens with their line numbers; comments dropped."""
    out: list[tuple[str, int]] = []
    for line_no, line in enumerate(text.splitlines(), 1):
        line = line.split(";", 1)[0]
        for part in line.replace("(", " ( ").replace(")", " ) ").split():
            out.append((part, line_no))
    return out


def read_sexpr(text: str) -> SExpr:
    """The one top-level S-expression in ``text``."""
    tokens = tokenize(text)
    if not tokens:
        raise PDDLError("empty PDDL text")
    stack: list[list[SExpr]] = []
    result: SExpr | None = None
    for tok, line in tokens:
        if result is not None:
            raise PDDLError(f"line {line}: text after the closing parenthesis ({tok!r})")
        if tok == "(":
            stack.append([])
        elif tok == ")":
            if not stack:
                raise PDDLError(f"line {line}: unbalanced ')'")
            done = stack.pop()
            if stack:
                stack[-1].append(done)
            else:
                result = done
        elif not stack:
            raise PDDLError(f"line {line}: {tok!r} outside parentheses")
        else:
            stack[-1].append(tok)
    if stack or result is None:
        raise PDDLError(f"unbalanced '(': {len(stack)} left open at the end")
    return result


def typed_list(items: list[SExpr], default: str = "object") -> list[tuple[str, str]]:
    """PDDL's ``a b - t c - u d`` -> [(a, t), (b, t), (c, u), (d, default)]."""
    out: list[tuple[str, str]] = []
    pending: list[str] = []
    i = 0
    while i < len(items):
        item = items[i]
        if not isinstance(item, str):
            raise PDDLError(f"expected a name in a typed list, got {item!r}")
        if item == "-":
            if i + 1 >= len(items) or not isinstance(items[i + 1], str) or not pending:
                raise PDDLError("'-' must follow names and precede one type name")
            out += [(name, str(items[i + 1])) for name in pending]
            pending = []
            i += 2
            continue
        pending.append(item)
        i += 1
    return out + [(name, default) for name in pending]


def formula(expr: SExpr) -> Any:
    """A goal / condition as nested lists with lowered keywords and predicates."""
    if isinstance(expr, str) or not expr:
        raise PDDLError(f"expected a formula, got {expr!r}")
    head = expr[0]
    if not isinstance(head, str):
        raise PDDLError(f"a formula starts with a name, got {head!r}")
    key = head.lower()
    if key in CONNECTIVES:
        if key == "not" and len(expr) != 2:
            raise PDDLError(f"'not' takes one formula: {expr!r}")
        return [key, *(formula(e) for e in expr[1:])]
    if key in QUANTIFIERS:
        if len(expr) != 3 or isinstance(expr[1], str):
            raise PDDLError(f"'{key}' takes (variables) and one formula: {expr!r}")
        return [key, [list(v) for v in typed_list(expr[1])], formula(expr[2])]
    if any(not isinstance(a, str) for a in expr[1:]):
        raise PDDLError(f"an atom's arguments are names or variables: {expr!r}")
    return [key, *expr[1:]]


def read_problem(text: str) -> Problem:
    """Read a ``(define (problem ...) ...)`` text."""
    expr = read_sexpr(text)
    if isinstance(expr, str) or len(expr) < 2 or str(expr[0]).lower() != "define":
        raise PDDLError("a problem starts with (define (problem NAME) ...)")
    head = expr[1]
    if isinstance(head, str) or len(head) != 2 or str(head[0]).lower() != "problem":
        raise PDDLError("a problem starts with (define (problem NAME) ...)")
    problem = Problem(name=str(head[1]), domain="")
    for section in expr[2:]:
        if isinstance(section, str) or not section:
            raise PDDLError(f"unexpected {section!r} in the problem")
        key = str(section[0]).lower()
        if key == ":domain":
            problem.domain = str(section[1])
        elif key == ":objects":
            problem.objects.update(typed_list(section[1:]))
        elif key == ":init":
            problem.init += [_init_fact(f) for f in section[1:] if _is_fact(f)]
        elif key == ":goal":
            if len(section) != 2:
                raise PDDLError("(:goal ...) holds one formula")
            problem.goal = formula(section[1])
        # :requirements, :metric and others do not change the initial state or the goal
    if problem.goal is None:
        raise PDDLError("the problem has no (:goal ...)")
    return problem


def _is_fact(expr: SExpr) -> bool:
    """Atoms only: numeric assignments ``(= (f ...) n)`` are not facts of the state."""
    if isinstance(expr, str) or not expr:
        raise PDDLError(f"unexpected {expr!r} in (:init ...)")
    return not (expr[0] == "=" and len(expr) == 3 and not isinstance(expr[1], str))


def _init_fact(expr: SExpr) -> tuple[str, ...]:
    atom = formula(expr)
    if atom[0] in (*CONNECTIVES, *QUANTIFIERS):
        raise PDDLError(f"(:init ...) holds atoms only, got {expr!r}")
    return tuple(atom)
