"""Symbolic constraint expressions: written once per table, used by prover and verifier.

Why symbolic: the same polynomial identities must be evaluated three ways, on the
trace rows while debugging a witness (`Air.check`), on the LDE coset by the prover
(`constraints.evaluate_on_domain`) and at one extension point by the verifier
(`constraints.evaluate_at_point`).  Writing them as expression trees once keeps the
three in agreement, and gives each constraint a degree (which sizes the quotient) and
a canonical text (error messages, the verifying key).

Nodes are immutable and built with the operators + - * (unary -, ** by a small
non-negative int) from columns, constants, public values, challenges and the row
selectors.  Python ints become constants mod p.  The operators fold constants
(2 * 3 is 6, x * 1 is x, x * 0 is 0, -(-x) is x) and nothing else, so the text of an
expression is exactly what its author wrote, in one canonical spelling: binary
operators are left-associative, a right operand of equal precedence is parenthesized,
constants above p/2 print as negative numbers, a next-row column as `name'`.  The text
is injective for expressions whose column, public and challenge names are distinct,
which `Air` enforces.

Typing: `degree` is the degree in the trace columns (columns and selectors count 1);
`is_ext` says whether the value lies in the extension field (aux columns and
challenges) or in BabyBear.  The evaluators keep base-field values in base-field
registers, which is most of the work for RISC-V tables.
"""
from __future__ import annotations

from . import extension as ext
from . import field
from .field import P

MATRICES = ("fixed", "main", "aux")
SELECTOR_NAMES = ("is_first", "is_last", "is_transition")

_ATOM, _POW, _NEG, _MUL, _ADD = 9, 4, 3, 2, 1     # precedences for the text form


class Expr:
    """A node of a constraint expression (immutable)."""

    __slots__ = ("degree", "is_ext", "_text")
    prec = _ATOM

    def __init__(self, degree: int, is_ext: bool):
        object.__setattr__(self, "degree", degree)
        object.__setattr__(self, "is_ext", is_ext)
        object.__setattr__(self, "_text", None)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __setstate__(self, state):
        """Unpickling sets the slots past __setattr__ (verifying keys are cached on disk)."""
        for name, value in state[1].items():
            object.__setattr__(self, name, value)

    def children(self) -> tuple[Expr, ...]:
        return ()

    def _render(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        if self._text is None:
            object.__setattr__(self, "_text", self._render())
        return self._text

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self}>"

    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __neg__(self):
        return neg(self)

    def __pow__(self, e):
        return power(self, e)


class Col(Expr):
    """A trace column at the local row, or at the next row (`next=True`)."""

    __slots__ = ("matrix", "index", "name", "is_next")

    def __init__(self, matrix: str, index: int, name: str, next: bool = False):  # noqa: A002
        if matrix not in MATRICES:
            raise ValueError(f"column matrix must be one of {MATRICES}, got {matrix!r}")
        super().__init__(1, matrix == "aux")
        object.__setattr__(self, "matrix", matrix)
        object.__setattr__(self, "index", int(index))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "is_next", bool(next))

    @property
    def next(self) -> Col:
        """The same column at the next row (the row after the last is the first)."""
        if self.is_next:
            raise ValueError(f"column {self.name!r} is already a next-row column: no next of next")
        return Col(self.matrix, self.index, self.name, next=True)

    def _render(self) -> str:
        return self.name + ("'" if self.is_next else "")


class Const(Expr):
    """A base-field constant, reduced mod p."""

    __slots__ = ("value",)

    def __init__(self, value: int):
        super().__init__(0, False)
        object.__setattr__(self, "value", int(value) % P)

    @property
    def prec(self):
        return _NEG if self.value > P // 2 else _ATOM

    def _render(self) -> str:
        return f"-{P - self.value}" if self.value > P // 2 else str(self.value)


class Public(Expr):
    """A base-field public value of the table (given to prover and verifier)."""

    __slots__ = ("index", "name")

    def __init__(self, index: int, name: str):
        super().__init__(0, False)
        object.__setattr__(self, "index", int(index))
        object.__setattr__(self, "name", name)

    def _render(self) -> str:
        return f"pub.{self.name}"


class Challenge(Expr):
    """An extension-field verifier challenge, known only at evaluation time."""

    __slots__ = ("index", "name")

    def __init__(self, index: int, name: str):
        super().__init__(0, True)
        object.__setattr__(self, "index", int(index))
        object.__setattr__(self, "name", name)

    def _render(self) -> str:
        return f"ch.{self.name}"


class Selector(Expr):
    """One of the row selectors: 0 is_first, 1 is_last, 2 is_transition."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        super().__init__(1, False)
        object.__setattr__(self, "index", int(index))

    def _render(self) -> str:
        return SELECTOR_NAMES[self.index]


class _Binary(Expr):
    __slots__ = ("a", "b")
    symbol = ""

    def __init__(self, a: Expr, b: Expr, degree: int):
        super().__init__(degree, a.is_ext or b.is_ext)
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)

    def children(self):
        return (self.a, self.b)

    def _render(self) -> str:
        left = str(self.a) if self.a.prec >= self.prec else f"({self.a})"
        right = str(self.b) if self.b.prec > self.prec else f"({self.b})"
        return f"{left} {self.symbol} {right}"


class Add(_Binary):
    __slots__ = ()
    prec, symbol = _ADD, "+"

    def __init__(self, a, b):
        super().__init__(a, b, max(a.degree, b.degree))


class Sub(_Binary):
    __slots__ = ()
    prec, symbol = _ADD, "-"

    def __init__(self, a, b):
        super().__init__(a, b, max(a.degree, b.degree))


class Mul(_Binary):
    __slots__ = ()
    prec, symbol = _MUL, "*"

    def __init__(self, a, b):
        super().__init__(a, b, a.degree + b.degree)


class Neg(Expr):
    __slots__ = ("a",)
    prec = _NEG

    def __init__(self, a: Expr):
        super().__init__(a.degree, a.is_ext)
        object.__setattr__(self, "a", a)

    def children(self):
        return (self.a,)

    def _render(self) -> str:
        return f"-{self.a}" if self.a.prec > _NEG else f"-({self.a})"


class Pow(Expr):
    __slots__ = ("a", "e")
    prec = _POW

    def __init__(self, a: Expr, e: int):
        super().__init__(a.degree * e, a.is_ext)
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "e", e)

    def children(self):
        return (self.a,)

    def _render(self) -> str:
        return f"{self.a}^{self.e}" if self.a.prec > _POW else f"({self.a})^{self.e}"


IS_FIRST = Selector(0)
IS_LAST = Selector(1)
IS_TRANSITION = Selector(2)


# ---------------------------------------------------------------- folding constructors

def as_expr(x) -> Expr:
    """Expressions pass through; integers (any size or sign) become constants mod p."""
    if isinstance(x, Expr):
        return x
    if hasattr(x, "__index__"):
        return Const(x.__index__())
    raise TypeError(f"not a constraint expression or integer: {x!r}")


def _const(x: Expr):
    return x.value if isinstance(x, Const) else None


def add(a, b) -> Expr:
    a, b = as_expr(a), as_expr(b)
    ca, cb = _const(a), _const(b)
    if ca is not None and cb is not None:
        return Const(ca + cb)
    if ca == 0:
        return b
    if cb == 0:
        return a
    return Add(a, b)


def sub(a, b) -> Expr:
    a, b = as_expr(a), as_expr(b)
    ca, cb = _const(a), _const(b)
    if ca is not None and cb is not None:
        return Const(ca - cb)
    if cb == 0:
        return a
    if ca == 0:
        return neg(b)
    return Sub(a, b)


def mul(a, b) -> Expr:
    a, b = as_expr(a), as_expr(b)
    ca, cb = _const(a), _const(b)
    if ca is not None and cb is not None:
        return Const(ca * cb)
    if ca == 0 or cb == 0:
        return Const(0)
    if ca == 1:
        return b
    if cb == 1:
        return a
    return Mul(a, b)


def neg(a) -> Expr:
    a = as_expr(a)
    if isinstance(a, Const):
        return Const(-a.value)
    if isinstance(a, Neg):
        return a.a
    return Neg(a)


def power(a, e) -> Expr:
    a = as_expr(a)
    if not hasattr(e, "__index__") or isinstance(e, bool):
        raise TypeError(f"exponent must be an int, got {e!r}")
    e = e.__index__()
    if e < 0:
        raise ValueError(f"exponent must be non-negative, got {e}")
    if isinstance(a, Const):
        return Const(field.ref_pow(a.value, e))
    if e == 0:
        return Const(1)
    return a if e == 1 else Pow(a, e)


# ---------------------------------------------------------------- traversal and reference

def walk(expr: Expr):
    """Every distinct node (by identity) of an expression, children before parents."""
    seen, order, stack = set(), [], [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded:
            seen.add(id(node))
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(node.children()) if id(c) not in seen)
    return order


def ref_eval(expr: Expr, *, column=None, public=(), challenges=(), selectors=(0, 0, 0)):
    """The slow, obviously correct evaluation on Python ints: an int for a base-field
    value, a 4-tuple for an extension value.  `column(col)` returns a column's value
    (int or 4-tuple), `challenges` are 4-tuples, `selectors` the three selector values."""
    def lift(v):
        return v if isinstance(v, tuple) else (int(v) % P, 0, 0, 0)

    def binary(base_op, ext_op, x, y):
        if isinstance(x, tuple) or isinstance(y, tuple):
            return ext_op(lift(x), lift(y))
        return base_op(x, y)

    values = {}
    for node in walk(expr):
        if isinstance(node, Col):
            v = column(node)
        elif isinstance(node, Const):
            v = node.value
        elif isinstance(node, Public):
            v = int(public[node.index]) % P
        elif isinstance(node, Challenge):
            v = tuple(int(c) % P for c in challenges[node.index])
        elif isinstance(node, Selector):
            v = selectors[node.index]
        elif isinstance(node, Neg):
            x = values[id(node.a)]
            v = ext.ref_neg(x) if isinstance(x, tuple) else field.ref_neg(x)
        elif isinstance(node, Pow):
            x = values[id(node.a)]
            v = ext.ref_pow(x, node.e) if isinstance(x, tuple) else field.ref_pow(x, node.e)
        else:
            x, y = values[id(node.a)], values[id(node.b)]
            if isinstance(node, Add):
                v = binary(field.ref_add, ext.ref_add, x, y)
            elif isinstance(node, Sub):
                v = binary(field.ref_sub, ext.ref_sub, x, y)
            else:
                v = binary(field.ref_mul, ext.ref_mul, x, y)
        values[id(node)] = v
    return values[id(expr)]


def xor_bits(*xs) -> Expr:
    """XOR of 2 or 3 bit-valued expressions as a polynomial (exact on 0/1): degree 2 or 3."""
    if len(xs) == 2:
        x, y = xs
        return x + y - 2 * x * y
    x, y, z = xs
    return x + y + z - 2 * (x * y + y * z + x * z) + 4 * x * y * z
