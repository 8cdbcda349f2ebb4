"""The security level of a proof, term by term, in bits (-log2 of a soundness error).

A cheating prover wins if any one thing goes its way, so the level is the minimum of
the terms below (a union bound loses at most a few bits more, ignored here as is usual).
|K| = p^4 = 2^123.63 is the challenge field (prover.extension), n = 2^log_max_lde the
largest FRI domain, rho = 2^-log_blowup the rate, q the number of queries.

Conjectured (`terms`, `conjectured_bits`), the convention of ethSTARK, Winterfell and
Plonky3:
- "FRI queries (conjectured, ethSTARK)": q * log2(1/rho) + pow_bits. The ethSTARK
  documentation (StarkWare, v1.2, ePrint 2021/582, section 5.10.1) conjectures that each
  query of FRI on a rate-rho code gives log2(1/rho) bits, i.e. that a word far from the
  code passes a query with probability about rho (decoding up to capacity); grinding
  pow_bits multiplies the cost of every attempt at the queries by 2^pow_bits.
- "DEEP/OOD point": log2|K| - log2(D * n/blowup), D the largest constraint degree: the
  out-of-domain point is bad only at a root of a nonzero polynomial of degree at most
  the composition polynomial's, D times the trace length (Schwartz-Zippel).
- "FRI folding challenges": log2|K| - log2(n): the conjectured error of a folding round
  is of order n/|K| (ethSTARK's field term).
- "LogUp challenges": log2|K| - log2(bus_rows * bus_fields) + logup_pow_bits, when there
  is a bus: the LogUp identity (Haboeck, ePrint 2022/1530) cleared of its denominators
  is a nonzero polynomial in the challenges of total degree at most the number of bus
  fractions times the number of fields fingerprinted into each (Schwartz-Zippel); the
  prover grinds logup_pow_bits before the challenges are drawn, so each retry of its
  commitments costs 2^logup_pow_bits hashes more.
- "constraint combination": log2|K| - log2(num_constraints): the constraints are
  combined with the powers of one challenge, a polynomial of degree below
  num_constraints in it.
- "hash (BLAKE3 collisions)": 128, half the digest: a Merkle or transcript collision
  breaks everything.

Proven (`proven_terms`, `proven_bits`), in the unique-decoding regime, where the
guarantees are theorems (BCIKS20: Ben-Sasson, Carmon, Ishai, Kopparty, Saraf, "Proximity
gaps for Reed-Solomon codes", ePrint 2020/654): a word at relative distance
delta < (1 - rho)/2 from the code passes a query with probability at most 1 - delta, so
- "FRI queries (proven, unique decoding)": q * -log2((1 + rho)/2) + pow_bits (0.415 bits
  per query at rate 1/2);
- "FRI folding challenges (proven)": log2|K| - log2(sum_k r_k n_k), summing over the
  committed layers (size n_k, arity r_k) the unique-decoding proximity-gap error of a
  degree-r_k curve (r_k n_k/|K|, which also covers a codeword mixed in with beta^r_k);
- the field terms for the DEEP point, LogUp and the combination as above (the list has
  one element in this regime), and the hash.
Both figures count the grinding as bits of work, as is usual for Fiat-Shamir proofs.
Lower-order effects (the few excluded DEEP points, the union over rounds of the
conjectured terms) are left out.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import extension
from .fri import FriParameters, fold_schedule

__all__ = ["SecurityReport", "security_level", "EXTENSION_BITS"]

EXTENSION_BITS = math.log2(extension.ORDER)      # 123.63
HASH_BITS = 128.0


@dataclass(frozen=True)
class SecurityReport:
    """The terms in bits, and their minima."""

    conjectured_bits: float
    terms: dict[str, float]
    proven_bits: float
    proven_terms: dict[str, float]

    def describe(self) -> str:
        """A few lines: both levels with their weakest terms, then every term."""
        weakest = min(self.terms, key=self.terms.get)
        weakest_proven = min(self.proven_terms, key=self.proven_terms.get)
        lines = [f"security: {self.conjectured_bits:.1f} bits conjectured (limited by {weakest}), "
                 f"{self.proven_bits:.1f} bits proven (limited by {weakest_proven})"]
        width = max(map(len, self.proven_terms | self.terms))
        for name, bits in (self.terms | self.proven_terms).items():
            lines.append(f"  {name:<{width}}  {bits:6.1f}")
        return "\n".join(lines)


def security_level(fri: FriParameters, *, log_max_lde: int, max_constraint_degree: int,
                   bus_rows: int = 0, bus_fields: int = 1, num_constraints: int = 1024,
                   logup_pow_bits: int = 0, extension_bits: float = EXTENSION_BITS) -> SecurityReport:
    """The report for FRI parameters `fri` on a largest domain of 2^log_max_lde points,
    constraints of degree at most max_constraint_degree (num_constraints of them), and
    bus_rows bus fractions of bus_fields fields each (0: no bus), with logup_pow_bits of
    grinding before the LogUp challenges."""
    if max_constraint_degree < 1 or num_constraints < 1 or bus_rows < 0 or bus_fields < 1:
        raise ValueError("need max_constraint_degree, num_constraints, bus_fields >= 1 and bus_rows >= 0")
    steps, _ = fold_schedule(fri, [log_max_lde])
    rho = 2.0 ** -fri.log_blowup
    trace_log = log_max_lde - fri.log_blowup
    field_terms = {"DEEP/OOD point": extension_bits - math.log2(max_constraint_degree) - trace_log}
    if bus_rows:
        field_terms["LogUp challenges"] = extension_bits - math.log2(bus_rows * bus_fields) + logup_pow_bits
    field_terms["constraint combination"] = extension_bits - math.log2(num_constraints)
    field_terms["hash (BLAKE3 collisions)"] = HASH_BITS

    terms = {"FRI queries (conjectured, ethSTARK)": fri.num_queries * fri.log_blowup + fri.pow_bits,
             "FRI folding challenges": extension_bits - log_max_lde} | field_terms
    proven = {"FRI queries (proven, unique decoding)":
              fri.num_queries * -math.log2((1 + rho) / 2) + fri.pow_bits}
    if steps:                                  # no folding, no folding error
        fold_error = sum(2 ** (log_n + log_r) for log_n, log_r in steps)
        proven["FRI folding challenges (proven)"] = extension_bits - math.log2(fold_error)
    proven |= field_terms
    terms = {k: float(v) for k, v in terms.items()}
    proven = {k: float(v) for k, v in proven.items()}
    return SecurityReport(min(terms.values()), terms, min(proven.values()), proven)
