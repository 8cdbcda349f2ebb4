"""Tables as AIRs: columns, polynomial constraints and LogUp bus interactions, declared once.

Why one declaration object: the prover, the verifier and the witness debugger all read
the same `Air`, so they cannot disagree about a column's index or a constraint's
form, and `digest` binds that description into the verifying key.

An `Air` holds
- main columns (the witness, one base-field value per row), fixed columns (the same for
  every proof of a program, e.g. the ROM) and public values; aux columns (extension
  field) and challenges are added by the LogUp layer (`logup.py`), which turns the bus
  interactions into aux columns and constraints over them;
- constraints: expressions that must vanish on every row of the trace domain.  Row
  restrictions are multiplications by the selectors, so `when_transition(e)` is the
  constraint e * IS_TRANSITION and costs one degree;
- interactions: messages sent to or received from a named bus, with a multiplicity.

`check` evaluates the constraints on the trace's own rows with the same compiled
evaluator the prover uses, so a witness bug shows up as a one-line message naming the
table, the constraint and the first failing row, instead of as a failed proof.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import blake3
import numpy as np

from . import constraints as cs
from .expr import (IS_FIRST, IS_LAST, IS_TRANSITION, SELECTOR_NAMES, Challenge, Col, Expr,
                   Public, as_expr, walk)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\[\]]*\Z")
_CHECK_ROWS = 1 << 14       # rows evaluated per chunk by `check` (bounds its memory)


def _uses_aux(expr: Expr) -> bool:
    return any(isinstance(x, Challenge) or (isinstance(x, Col) and x.matrix == "aux") for x in walk(expr))


class ConstraintError(AssertionError):
    """A trace violates a constraint (raised by `Air.check`)."""


@dataclass(frozen=True)
class Interaction:
    """One LogUp bus message: `fields` sent (+1) or received (-1) `multiplicity` times."""
    bus: str
    fields: tuple[Expr, ...]
    multiplicity: Expr
    direction: int


class Air:
    """A table: columns, constraints and bus interactions, declared once."""

    def __init__(self, name: str, main: list[str], fixed: list[str] = (), public: list[str] = ()):
        self.name = name
        self.main_names = list(main)
        self.fixed_names = list(fixed)
        self.public_names = list(public)
        self.aux_names: list[str] = []
        self.challenge_names: list[str] = []
        self.constraints: list[Expr] = []
        self.labels: list[str | None] = []
        self.interactions: list[Interaction] = []
        self._columns: dict[str, Col] = {}
        self._programs: dict = {}
        for matrix, names in (("main", self.main_names), ("fixed", self.fixed_names)):
            for i, n in enumerate(names):
                self._add_name(n, Col(matrix, i, n))
        self._publics = {}
        for i, n in enumerate(self.public_names):
            self._check_name(n, self._publics, "public value")
            self._publics[n] = Public(i, n)
        self._challenges: dict[str, Challenge] = {}

    # ------------------------------------------------------------ declaration

    def _check_name(self, name, taken, what):
        if (not isinstance(name, str) or not _NAME.match(name) or name in SELECTOR_NAMES
                or name.startswith(("pub.", "ch."))):
            raise ValueError(f"table {self.name!r}: {what} name {name!r} is not an identifier, or reads "
                             f"like a selector, public value or challenge in constraint texts")
        if name in taken:
            raise ValueError(f"table {self.name!r}: duplicate {what} name {name!r}")

    def _add_name(self, name, col):
        self._check_name(name, self._columns, "column")
        self._columns[name] = col

    def col(self, name: str) -> Col:
        """A main, fixed or aux column by name, at the local row (`.next` for the next row)."""
        try:
            return self._columns[name]
        except KeyError:
            raise KeyError(f"table {self.name!r} has no column {name!r}") from None

    def cols(self, *names: str) -> tuple[Col, ...]:
        return tuple(self.col(n) for n in names)

    def pub(self, name: str) -> Public:
        try:
            return self._publics[name]
        except KeyError:
            raise KeyError(f"table {self.name!r} has no public value {name!r}") from None

    def aux_col(self, name: str) -> Col:
        """Adds an extension-valued aux column and returns it."""
        c = Col("aux", len(self.aux_names), name)
        self._add_name(name, c)
        self.aux_names.append(name)
        return c

    def challenge(self, name: str) -> Challenge:
        """The named challenge, declared on first use (index = order of declaration)."""
        if name not in self._challenges:
            self._check_name(name, self._challenges, "challenge")
            self._challenges[name] = Challenge(len(self.challenge_names), name)
            self.challenge_names.append(name)
        return self._challenges[name]

    def _validate(self, expr) -> Expr:
        expr = as_expr(expr)
        for node in walk(expr):
            if isinstance(node, Col):
                known = self._columns.get(node.name)
                if known is None or (known.matrix, known.index) != (node.matrix, node.index):
                    raise ValueError(f"table {self.name!r}: column {node} ({node.matrix}[{node.index}]) "
                                     f"is not one of its columns")
            elif isinstance(node, Public):
                if self._publics.get(node.name) is None or self._publics[node.name].index != node.index:
                    raise ValueError(f"table {self.name!r}: {node} is not one of its public values")
            elif isinstance(node, Challenge):
                if self._challenges.get(node.name) is None or self._challenges[node.name].index != node.index:
                    raise ValueError(f"table {self.name!r}: {node} is not one of its challenges")
        return expr

    def constrain(self, expr, label: str | None = None) -> None:
        """expr must vanish on every row."""
        self.constraints.append(self._validate(expr))
        self.labels.append(label)

    def when_first(self, expr, label: str | None = None) -> None:
        self.constrain(as_expr(expr) * IS_FIRST, label)

    def when_last(self, expr, label: str | None = None) -> None:
        self.constrain(as_expr(expr) * IS_LAST, label)

    def when_transition(self, expr, label: str | None = None) -> None:
        """expr must vanish on every row but the last (where its next row wraps around)."""
        self.constrain(as_expr(expr) * IS_TRANSITION, label)

    def _interact(self, bus, fields, multiplicity, direction):
        fields = tuple(self._validate(f) for f in fields)
        multiplicity = self._validate(multiplicity)
        for e in fields + (multiplicity,):
            if e.is_ext:
                raise ValueError(f"table {self.name!r}: bus {bus!r} message {e} is not base-field")
        self.interactions.append(Interaction(bus, fields, multiplicity, direction))

    def send(self, bus: str, fields, multiplicity=1) -> None:
        self._interact(bus, fields, multiplicity, +1)

    def receive(self, bus: str, fields, multiplicity=1) -> None:
        self._interact(bus, fields, multiplicity, -1)

    # ------------------------------------------------------------ properties

    n_main = property(lambda self: len(self.main_names))
    n_fixed = property(lambda self: len(self.fixed_names))
    n_aux = property(lambda self: len(self.aux_names))
    n_public = property(lambda self: len(self.public_names))
    n_challenges = property(lambda self: len(self.challenge_names))

    @property
    def max_degree(self) -> int:
        return max((c.degree for c in self.constraints), default=0)

    def describe(self, k: int) -> str:
        """Constraint k as named in messages: its label, else its text."""
        return self.labels[k] or str(self.constraints[k])

    def program(self, indices=None) -> cs.Program:
        """The compiled constraints (all, or those at `indices`), cached by the expressions."""
        key = tuple(self.constraints if indices is None else [self.constraints[k] for k in indices])
        if key not in self._programs:
            self._programs[key] = cs.compile_constraints(key)
        return self._programs[key]

    def digest(self) -> bytes:
        """32-byte BLAKE3 of the canonical description (labels excluded: they are comments)."""
        desc = {
            "air": self.name,
            "main": self.main_names, "fixed": self.fixed_names, "aux": self.aux_names,
            "public": self.public_names, "challenges": self.challenge_names,
            "constraints": [str(c) for c in self.constraints],
            "interactions": [[i.bus, i.direction, [str(f) for f in i.fields], str(i.multiplicity)]
                             for i in self.interactions],
        }
        text = json.dumps(desc, separators=(",", ":"), ensure_ascii=True)
        return blake3.blake3(b"zkaot-air-v1\0" + text.encode()).digest()

    # ------------------------------------------------------------ witness debugging

    def check(self, main, fixed=None, public=(), aux=None, challenges=None) -> None:
        """Raises ConstraintError for the first row (and first constraint there) where a
        constraint does not vanish.  Rows are the trace domain H: the next row of the last
        is the first, selectors are 0/1 columns (transition: 0 on the last row only).
        Without aux (or challenges), constraints that use them are skipped."""
        main = np.asarray(main, dtype=np.uint32)
        n = main.shape[0] if main.ndim == 2 else -1
        self._check_shape("main", main, (n, self.n_main))
        if n < 1:
            raise ValueError(f"table {self.name!r}: main trace needs shape (n >= 1, {self.n_main})")
        fixed = self._check_shape("fixed", fixed, (n, self.n_fixed))
        public = self._check_shape("public", public, (self.n_public,))
        with_aux = aux is not None and (challenges is not None or not self.n_challenges)
        if with_aux:
            aux = self._check_shape("aux", aux, (n, self.n_aux, 4))
            challenges = self._check_shape("challenges", challenges, (self.n_challenges, 4))
        ks = [k for k, c in enumerate(self.constraints) if with_aux or not _uses_aux(c)]
        if not ks:
            return
        program = self.program(ks)
        sel = np.zeros((n, 3), dtype=np.uint32)
        sel[0, 0] = 1
        sel[-1, 1] = 1
        sel[:-1, 2] = 1
        for lo in range(0, n, _CHECK_ROWS):
            hi = min(n, lo + _CHECK_ROWS)
            vals = cs.evaluate_each(program, main=main, fixed=fixed, aux=aux if with_aux else None,
                                    next_shift=1, selectors=sel, public=public,
                                    challenges=challenges if with_aux else None, start=lo, stop=hi)
            bad = vals != 0 if vals.ndim == 2 else (vals != 0).any(axis=2)
            if bad.any():
                row, j = np.unravel_index(np.argmax(bad), bad.shape)
                fails = int(bad.any(axis=0).sum())
                more = f" ({fails} constraints fail in rows {lo}..{hi - 1})" if fails > 1 else ""
                raise ConstraintError(f"table {self.name!r}: constraint {self.describe(ks[j])!r} "
                                      f"fails at row {lo + row} of {n}{more}")

    def _check_shape(self, what, a, shape):
        if a is None:
            if 0 not in shape:
                raise ValueError(f"table {self.name!r}: {what} values are missing")
            return None
        a = np.asarray(a, dtype=np.uint32)
        if a.shape != shape:
            raise ValueError(f"table {self.name!r}: {what} has shape {a.shape}, expected {shape}")
        return a
