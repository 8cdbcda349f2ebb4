"""The LogUp bus: tables exchange messages, and the sums of their fractions must cancel.

A table's interaction sends (or receives) the tuple `fields` with multiplicity m on a named
bus.  With verifier challenges beta and gamma from the extension field, a message's
fingerprint is d = gamma + bus_id + sum_j beta^(j+1) field_j, and the interaction
contributes the fraction +-m/d on its row.  If every sent multiset equals the received
one, the fractions over all rows of all tables sum to zero; if not, the sum is a nonzero
rational function of (beta, gamma) that vanishes at the random point with probability at
most about (rows * fields) / |K| (Schwartz-Zippel, after clearing denominators; the
security calculator reports the term).

Per table the prover adds extension-valued aux columns:
- one helper column per group of interactions, h = sum_{i in group} +-m_i / d_i, checked
  by h * prod d_i = sum_i +-m_i prod_{j != i} d_j.  Interactions are grouped greedily so
  that this constraint stays within the maximum degree (two degree-1 messages per group
  at degree 3);
- a running sum s: s[0] = sum_g h_g[0], s[i+1] = s[i] + sum_g h_g[i+1], and on the last row
  s = S, the table's claimed sum.  S is sent in the proof and enters the constraints as a
  challenge-like value; the verifier checks that the claimed sums of all tables add to zero.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

import blake3
import numpy as np
from numba import njit, prange

from . import extension as ext
from .air import Air
from .constraints import compile_constraints, evaluate_each
from .expr import Col
from .field import P, mont_mul_std
from .opening import _to_mont

_P64 = np.uint64(P)
CHALLENGES = ("logup.beta", "logup.gamma", "logup.sum")


def bus_id(name: str) -> int:
    """A field element naming the bus: distinct buses get unrelated fingerprints."""
    return int.from_bytes(blake3.blake3(b"zkaot-bus:" + name.encode()).digest()[:8], "little") % P


@dataclass(frozen=True)
class LogUpColumns:
    """Where a table's bus columns are: helper columns per group, then the running sum."""
    groups: tuple[tuple[int, ...], ...]       # interaction indices per helper column
    n_aux: int                                # helper columns + 1 (the running sum)


_attached: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def attach(air: Air, max_degree: int) -> LogUpColumns | None:
    """Add the bus columns and constraints to a table with interactions (once per table)."""
    if air in _attached:
        return _attached[air]
    if not air.interactions:
        _attached[air] = None
        return None
    beta, gamma, claimed = (air.challenge(name) for name in CHALLENGES)
    denominators = [_fingerprint(i, beta, gamma) for i in air.interactions]
    groups = _group(air, denominators, max_degree)
    helpers = [air.aux_col(f"logup.h{g}") for g in range(len(groups))]
    running = air.aux_col("logup.running_sum")
    for h, group in zip(helpers, groups):
        product = _product([denominators[i] for i in group])
        numerator = 0
        for i in group:
            others = _product([denominators[j] for j in group if j != i])
            numerator = numerator + _signed_multiplicity(air.interactions[i]) * others
        air.constrain(h * product - numerator, f"logup: helper column {h} is the sum of its fractions")
    row_sum = _sum(helpers)
    next_sum = _sum([h.next for h in helpers])
    air.when_first(running - row_sum, "logup: the running sum starts with row 0's fractions")
    air.when_transition(running.next - running - next_sum, "logup: the running sum adds each row's fractions")
    air.when_last(running - claimed, "logup: the running sum ends at the claimed sum")
    layout = LogUpColumns(tuple(tuple(g) for g in groups), len(helpers) + 1)
    _attached[air] = layout
    return layout


def aux_trace(air: Air, layout: LogUpColumns, main: np.ndarray, fixed: np.ndarray | None, public: np.ndarray,
              beta: np.ndarray, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bus columns (n, n_aux, 4) and the table's claimed sum (4,)."""
    n = main.shape[0]
    messages = air.interactions
    sources, multiplicity, fields = _message_sources(air, main, fixed, public)
    width = max(len(i.fields) for i in messages)
    index = np.zeros((len(messages), width), dtype=np.int64)
    coeffs = np.zeros((len(messages), width, ext.DEGREE), dtype=np.uint32)
    offsets = np.empty((len(messages), ext.DEGREE), dtype=np.uint32)
    for t, interaction in enumerate(messages):
        power = beta          # d = gamma + bus_id + sum_j beta^(j+1) field_j
        for j in range(len(interaction.fields)):
            index[t, j] = fields[t][j]
            coeffs[t, j] = power
            power = ext.mul(power, beta)
        offsets[t] = ext.add(gamma, ext.from_base(np.uint32(bus_id(interaction.bus))))
    denominators = np.empty((len(messages), n, ext.DEGREE), dtype=np.uint32)
    _fingerprint_kernel(sources, index, _to_mont(coeffs), offsets, denominators)
    try:
        inverses = ext.inv(denominators)
    except ZeroDivisionError as e:
        raise ValueError(f"table {air.name}: a bus fingerprint is zero ({e}); prove again with another "
                         "transcript (probability about rows/2^123)") from None
    fractions = [ext.mul_base(inverses[t], sources[:, multiplicity[t]]) for t in range(len(messages))]
    aux = np.empty((n, layout.n_aux, ext.DEGREE), dtype=np.uint32)
    for g, group in enumerate(layout.groups):
        aux[:, g] = _ext_sum([fractions[i] for i in group])
    per_row = np.zeros((n, ext.DEGREE), dtype=np.uint64)
    for g in range(len(layout.groups)):
        per_row += aux[:, g]
    aux[:, -1] = (np.cumsum(per_row % np.uint64(P), axis=0) % np.uint64(P)).astype(np.uint32)
    return aux, aux[-1, -1].copy()


@njit(cache=True, nogil=True, parallel=True)
def _fingerprint_kernel(sources, index, coeffs_mont, offsets, out):
    """out[t, i] = offsets[t] + sum_j sources[i, index[t, j]] coeffs[t, j], one pass over the rows
    (padding fields have coefficient 0)."""
    n = sources.shape[0]
    messages, width = index.shape
    for i in prange(n):
        row = sources[i]
        for t in range(messages):
            for k in range(4):
                acc = np.uint64(offsets[t, k])
                for j in range(width):
                    acc += np.uint64(mont_mul_std(row[index[t, j]], coeffs_mont[t, j, k]))
                out[t, i, k] = np.uint32(acc % _P64)


def _message_sources(air: Air, main, fixed, public):
    """The values every message's fields and multiplicity take, as columns of one (n, s)
    matrix: main and fixed columns as they are, other expressions (constants, sums,
    signed multiplicities) evaluated by the compiled evaluator and appended.  Returns the
    matrix, each message's multiplicity column and each message's field columns."""
    n = main.shape[0]
    parts = [main] + ([fixed] if fixed is not None else [])
    base = {"main": 0, "fixed": main.shape[1]}
    width = sum(p.shape[1] for p in parts)
    extra, seen = [], {}

    def column(e) -> int:
        if isinstance(e, Col) and not e.is_next and e.matrix in base and (e.matrix != "fixed" or fixed is not None):
            return base[e.matrix] + e.index
        key = str(e)                       # the canonical text: equal expressions share a column
        if key not in seen:
            seen[key] = width + len(extra)
            extra.append(e)
        return seen[key]

    multiplicity = [column(_signed_multiplicity(i)) for i in air.interactions]
    fields = [[column(f) for f in i.fields] for i in air.interactions]
    if extra:
        parts.append(evaluate_each(compile_constraints(extra), main=main, fixed=fixed, next_shift=1,
                                   selectors=np.zeros((n, 3), dtype=np.uint32), public=public))
    return np.ascontiguousarray(np.concatenate(parts, axis=1), dtype=np.uint32), multiplicity, fields


def _fingerprint(interaction, beta, gamma):
    d = gamma + bus_id(interaction.bus)
    power = beta
    for f in interaction.fields:
        d = d + power * f
        power = power * beta
    return d


def _signed_multiplicity(interaction):
    return interaction.multiplicity if interaction.direction > 0 else -interaction.multiplicity


def _group(air: Air, denominators, max_degree: int) -> list[list[int]]:
    groups: list[list[int]] = []
    for i, d in enumerate(denominators):
        if groups and _group_degree(air, groups[-1] + [i], denominators) <= max_degree:
            groups[-1].append(i)
            continue
        if _group_degree(air, [i], denominators) > max_degree:
            raise ValueError(f"table {air.name}: bus message {i} on '{air.interactions[i].bus}' needs degree "
                             f"{_group_degree(air, [i], denominators)} > {max_degree}: use degree-1 fields")
        groups.append([i])
    return groups


def _group_degree(air: Air, group: list[int], denominators) -> int:
    total = sum(denominators[i].degree for i in group)
    numerator = max(air.interactions[i].multiplicity.degree + total - denominators[i].degree for i in group)
    return max(1 + total, numerator)


def _product(items):
    out = 1
    for x in items:
        out = out * x
    return out


def _sum(items):
    out = 0
    for x in items:
        out = out + x
    return out


def _ext_sum(arrays: list[np.ndarray]) -> np.ndarray:
    out = arrays[0]
    for a in arrays[1:]:
        out = ext.add(out, a)
    return out
