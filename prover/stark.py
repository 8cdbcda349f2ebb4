"""The multi-table STARK: prove that traces satisfy their AIRs and balance their bus.

Protocol (each step absorbed into, or drawn from, one Fiat-Shamir transcript):
1. The verifying key's digest, every table's height and public values.
2. Main traces: each table's columns are extended to the coset shift_s * H_(n*blowup)
   and committed in a Merkle tree over rows (fixed columns were committed at setup).
3. A proof of work of `logup_pow_bits` (when a table has a bus), then the LogUp
   challenges beta, gamma; the prover builds each table's bus columns
   (`logup.py`), commits them and sends each table's claimed sum.  The verifier checks
   that the claimed sums add up to zero.
4. alpha; the prover evaluates sum_k alpha^k C_k(x) of each table's constraints over
   a coset (the LDE domain when the quotient degree allows), divides by the vanishing
   polynomial x^n - 1, splits the quotient into chunks of degree < n
   (q(x) = sum_j x^(jn) q_j(x)) and commits their LDE.
5. zeta, the out-of-domain point; every committed column is opened at zeta and (except
   quotient chunks) at zeta * w, and the verifier checks, per table, the constraints at
   zeta from the same declaration: C(zeta) / (zeta^n - 1) = sum_j zeta^(jn) q_j(zeta).
6. The DEEP quotients sum_k beta'^k (f_k(x) - f_k(z)) / (x - z), one codeword per LDE
   size, go to FRI (`fri.py`), which also grinds and draws the query positions; the
   prover opens every table's trees at those positions, and the verifier recomputes the
   DEEP values there from the opened rows and hands them to FRI.

Domains: a table of 2^s LDE rows lives on shift_s * H_(2^s) with shift_s = g^(2^(27-s)),
g = 31 the multiplicative generator (`fri.coset_shift`).  Folding (x -> x^2) maps the
domain of size 2^s onto the one of size 2^(s-1), so tables of different heights meet
FRI at its layers, and the shift of a table depends only on its own size: fixed tables
are committed once, in the verifying key, whatever else a proof contains.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field as dataclass_field

import blake3
import numpy as np

from . import codec, extension as ext, field, logup, merkle, ntt
from .air import Air
from .constraints import compile_constraints, evaluate_at_point, evaluate_on_domain, selectors, selectors_at
from .field import P
from .fri import FriError, FriParameters, FriProof, FriProver, FriVerifier, coset_shift
from .security import SecurityReport, security_level
from .opening import (combine_columns, deep_quotient, evaluate_at, evaluate_coefficients_at, ext_powers,
                      recombine)
from .transcript import Transcript

VERSION = 2                             # 2: the LogUp proof of work (its bits and nonce)
PROTOCOL = b"zkaot-stark-v1"
MIN_LOG_ROWS = 2
ONE = np.array([1, 0, 0, 0], dtype=np.uint32)
EMPTY_ROOT = np.zeros(0, dtype=np.uint32)


@dataclass(frozen=True)
class StarkParameters:
    fri: FriParameters = dataclass_field(default_factory=FriParameters)
    max_constraint_degree: int = 3
    # Grinding before the LogUp challenges are drawn: each bit doubles the work of a
    # prover who retries its commitments until the challenges fall on a bad point, so
    # it adds one bit to the LogUp term (security.py), the one field term that falls
    # with the number of bus messages (94.3 bits for a default segment without it).
    # Stwo's interaction_pow_bits is the same device.
    logup_pow_bits: int = 16

    def __post_init__(self):
        if isinstance(self.logup_pow_bits, bool) or not isinstance(self.logup_pow_bits, int) \
                or not 0 <= self.logup_pow_bits <= 32:
            raise ValueError(f"logup_pow_bits must be an int in [0, 32], got {self.logup_pow_bits!r}")

    @property
    def quotient_chunks(self) -> int:
        """Chunks of degree < n that the quotient splits into: the next power of two >= d - 1."""
        need = max(1, self.max_constraint_degree - 1)
        return 1 << (need - 1).bit_length()

    @property
    def max_log_rows(self) -> int:
        return field.TWO_ADICITY - self.fri.log_blowup - max(0, self.quotient_chunks.bit_length() - 1 - self.fri.log_blowup)


class ProofRejected(Exception):
    """The proof does not verify; the message says which check failed."""


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.accepted


# ---------------------------------------------------------------- keys

@dataclass(frozen=True, eq=False)
class TableKey:
    """What prover and verifier both know of a table."""
    air: Air
    program: object                     # the compiled constraints (constraints.Program)
    bus: logup.LogUpColumns | None
    fixed_log_rows: int | None
    fixed_root: bytes | None


@dataclass(frozen=True, eq=False)
class VerifyingKey:
    params: StarkParameters
    tables: tuple[TableKey, ...]
    digest: bytes                       # binds the parameters, the AIRs and the fixed columns


@dataclass(frozen=True, eq=False)
class _Fixed:
    values: np.ndarray                  # (n, f) on H
    lde: np.ndarray                     # (n * blowup, f)
    tree: merkle.MerkleTree


@dataclass(frozen=True, eq=False)
class ProvingKey:
    verifying_key: VerifyingKey
    fixed: dict[str, _Fixed]


def setup(airs: list[Air], fixed: dict[str, np.ndarray] | None = None,
          params: StarkParameters | None = None) -> ProvingKey:
    """Keys for a set of tables: adds their bus columns, compiles their constraints and
    commits their fixed columns (given by table name, (n, f) uint32 on H)."""
    params = params or StarkParameters()
    fixed = fixed or {}
    fixed_data = {}
    for air in airs:
        if not air.n_fixed:
            continue
        if air.name not in fixed:
            raise ValueError(f"table {air.name} declares fixed columns {list(air.fixed_names)}: pass their values")
        values = _check_matrix(fixed[air.name], air.n_fixed, f"table {air.name}: fixed columns", params)
        log_rows = values.shape[0].bit_length() - 1
        lde = ntt.lde(values, 1 << params.fri.log_blowup, coset_shift(log_rows + params.fri.log_blowup))
        fixed_data[air.name] = _Fixed(values, lde, merkle.commit(lde))
    commitments = {name: (f.values.shape[0].bit_length() - 1, f.tree.root) for name, f in fixed_data.items()}
    return ProvingKey(verifying_key(airs, commitments, params), fixed_data)


def verifying_key(airs: list[Air], fixed: dict[str, tuple[int, bytes]] | None = None,
                  params: StarkParameters | None = None) -> VerifyingKey:
    """The verifier's key from the tables and only the commitments to their fixed columns
    (name -> (log2 rows, Merkle root)): a verifier need not hold the fixed values."""
    params = params or StarkParameters()
    fixed = fixed or {}
    names = [air.name for air in airs]
    if len(set(names)) != len(names):
        raise ValueError(f"table names must be distinct, got {names}")
    tables = []
    digest = blake3.blake3(PROTOCOL)
    digest.update(repr((params.fri, params.max_constraint_degree, params.logup_pow_bits)).encode())
    for air in airs:
        bus = logup.attach(air, params.max_constraint_degree)
        if air.max_degree > params.max_constraint_degree:
            raise ValueError(f"table {air.name}: a constraint has degree {air.max_degree} > "
                             f"{params.max_constraint_degree}")
        if bool(air.n_fixed) != (air.name in fixed):
            raise ValueError(f"table {air.name}: a commitment is needed exactly for tables with fixed columns")
        log_rows, root = fixed.get(air.name, (None, None))
        tables.append(TableKey(air, compile_constraints(air.constraints), bus, log_rows, root))
        digest.update(air.digest() + (root or b"") + bytes([log_rows or 0]))
    return VerifyingKey(params, tuple(tables), digest.digest())


# ---------------------------------------------------------------- proofs

@dataclass
class TableProof:
    log_rows: int
    main_root: np.ndarray               # (8,) uint32
    aux_root: np.ndarray                # (8,), or (0,) without a bus
    quotient_root: np.ndarray
    bus_sum: np.ndarray                 # (4,) claimed LogUp sum, or (0,)
    at_zeta: np.ndarray                 # (fixed + main + 4*aux + 4*chunks, 4) column values at zeta
    at_zeta_next: np.ndarray            # (fixed + main + 4*aux, 4) at zeta * w
    fixed_rows: np.ndarray
    fixed_paths: np.ndarray
    main_rows: np.ndarray
    main_paths: np.ndarray
    aux_rows: np.ndarray
    aux_paths: np.ndarray
    quotient_rows: np.ndarray
    quotient_paths: np.ndarray


@dataclass
class ProofMetadata:
    """What the proof says of itself; the verifier checks it against its own key."""
    parameters: np.ndarray              # uint64: log_blowup, log_arity, queries, pow_bits, log_final_size, degree,
                                        # logup_pow_bits
    security_centibits: int             # conjectured security level x 100 (prover/security.py)

    @property
    def security_bits(self) -> float:
        return self.security_centibits / 100


@dataclass
class Proof:
    meta: ProofMetadata
    logup_pow_nonce: int                # meets logup_pow_bits (0 when no table has a bus)
    tables: list[TableProof]
    fri: FriProof

    def to_bytes(self) -> bytes:
        return codec.encode(self, VERSION)

    @staticmethod
    def from_bytes(data: bytes) -> Proof:
        return codec.decode(data, Proof, VERSION)


@dataclass
class ProofStats:
    seconds: dict[str, float]
    proof_bytes: int


@dataclass(eq=False)
class _TableWork:
    key: TableKey
    log_rows: int
    main: np.ndarray
    public: np.ndarray
    log_lde: int
    fixed: _Fixed | None = None
    main_lde: np.ndarray | None = None
    main_tree: merkle.MerkleTree | None = None
    aux: np.ndarray | None = None
    aux_lde: np.ndarray | None = None
    aux_tree: merkle.MerkleTree | None = None
    bus_sum: np.ndarray | None = None
    quotient_coeffs: np.ndarray | None = None
    quotient_lde: np.ndarray | None = None
    quotient_tree: merkle.MerkleTree | None = None


def prove(key: ProvingKey, traces: dict[str, np.ndarray], public: dict[str, list[int]] | None = None, *,
          check: bool = True, threads: int = 1, progress: bool = False, stats: ProofStats | None = None) -> Proof:
    """A proof that each table's trace (name -> (n, m) uint32) satisfies its constraints
    and that the bus balances.  check=True first runs each table's own check on its rows,
    so a bad witness fails with the constraint and row, not with a low-degree failure.
    The phases are the protocol's steps (docs/prover.md), in transcript order."""
    vk = key.verifying_key
    work = _prepare(vk, key, traces, public or {})
    phases = _Phases(progress)
    transcript = phases.run("commit main", _commit_main, vk, work, threads)
    logup_nonce, beta, gamma = phases.run("bus", _commit_bus, vk, work, transcript, check, threads)
    phases.run("quotient", _commit_quotients, vk, work, transcript, beta, gamma, threads)
    zeta, openings = phases.run("open", _open_out_of_domain, work, transcript)
    codewords = phases.run("deep", _deep_codewords, work, transcript, zeta, openings)
    indices, fri_proof = phases.run("fri", _fri, vk, transcript, codewords)
    proof = phases.run("queries", _query_openings, vk, work, openings, indices, logup_nonce, fri_proof)
    phases.close()
    if stats is not None:
        stats.seconds = phases.seconds
        stats.proof_bytes = len(proof.to_bytes())
    return proof


class _Phases:
    """Runs the prover's phases, timing each and moving the progress bar."""

    def __init__(self, progress: bool):
        from tqdm import tqdm           # here, not at the top: a verifier has no progress bar (0.1 s)
        self.seconds: dict[str, float] = {}
        self.bar = tqdm(total=7, desc="proving", unit="step", disable=not progress, leave=False)

    def run(self, name: str, phase, *args):
        start = time.perf_counter()
        out = phase(*args)
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
        self.bar.update(1)
        self.bar.set_postfix_str(name)
        return out

    def close(self) -> None:
        self.bar.close()


def _commit_main(vk: VerifyingKey, work: list[_TableWork], threads: int) -> Transcript:
    """The transcript, started; each table's main columns extended and committed."""
    transcript = _start_transcript(vk, [(w.log_rows, w.public) for w in work])
    for w in work:
        w.main_lde = ntt.lde(w.main, 1 << vk.params.fri.log_blowup, coset_shift(w.log_lde), threads=threads)
        w.main_tree = merkle.commit(w.main_lde)
        transcript.absorb_root("main", w.main_tree.root)
    return transcript


def _commit_bus(vk: VerifyingKey, work: list[_TableWork], transcript: Transcript, check: bool, threads: int):
    """(LogUp grinding nonce, beta, gamma): each table's bus columns committed with its
    claimed sum; with `check`, every table's constraints evaluated on its rows and the
    sums required to balance."""
    logup_nonce = transcript.grind(vk.params.logup_pow_bits) if _has_bus(vk) else 0
    beta, gamma = transcript.squeeze_ext("logup/challenges", 2)
    for w in work:
        fixed_values = w.fixed.values if w.fixed else None
        if w.key.bus is not None:
            w.aux, w.bus_sum = logup.aux_trace(w.key.air, w.key.bus, w.main, fixed_values, w.public, beta, gamma)
        if check:
            w.key.air.check(w.main, fixed_values, w.public, w.aux, _challenges(w, beta, gamma))
        if w.key.bus is None:
            continue
        w.aux_lde = ntt.lde(w.aux, 1 << vk.params.fri.log_blowup, coset_shift(w.log_lde),
                            threads=threads).reshape(w.main_lde.shape[0], -1)
        w.aux_tree = merkle.commit(w.aux_lde)
        transcript.absorb_root("aux", w.aux_tree.root)
        transcript.absorb_field("bus-sum", w.bus_sum)
    sums = [w.bus_sum for w in work if w.bus_sum is not None]
    if check and sums and _ext_total(sums).any():
        raise ValueError("the LogUp bus does not balance: the tables send and receive different messages")
    return logup_nonce, beta, gamma


def _commit_quotients(vk: VerifyingKey, work: list[_TableWork], transcript: Transcript, beta, gamma,
                      threads: int) -> None:
    """Each table's constraints combined with powers of alpha, divided by the vanishing
    polynomial and committed in chunks."""
    alpha = transcript.squeeze_ext("constraints/alpha")
    for w in work:
        _quotient(w, vk.params, alpha, beta, gamma, threads)
        transcript.absorb_root("quotient", w.quotient_tree.root)


def _open_out_of_domain(work: list[_TableWork], transcript: Transcript):
    """(zeta, [(values at zeta, values at zeta w)] per table)."""
    zeta = transcript.squeeze_ext("ood/zeta")
    openings = [_open_ood(w, zeta) for w in work]
    for at_zeta, at_next in openings:
        transcript.absorb_field("ood/values", at_zeta)
        transcript.absorb_field("ood/values-next", at_next)
    return zeta, openings


def _deep_codewords(work: list[_TableWork], transcript: Transcript, zeta, openings) -> dict[int, np.ndarray]:
    """The DEEP quotients, summed into one codeword per LDE size."""
    deep_beta = transcript.squeeze_ext("deep/beta")
    codewords: dict[int, np.ndarray] = {}
    power = ONE
    for w, (at_zeta, at_next) in zip(work, openings):
        codeword, power = _deep_codeword(w, zeta, at_zeta, at_next, deep_beta, power)
        s = w.log_lde
        codewords[s] = codeword if s not in codewords else ext.add(codewords[s], codeword)
    return codewords


def _fri(vk: VerifyingKey, transcript: Transcript, codewords) -> tuple[np.ndarray, FriProof]:
    """(query indices, FRI proof): the codewords folded, committed, ground and queried."""
    fri_prover = FriProver(vk.params.fri, codewords)
    fri_prover.commit(transcript)
    indices = fri_prover.grind_and_sample(transcript)
    return indices, fri_prover.open(indices)


def _query_openings(vk: VerifyingKey, work: list[_TableWork], openings, indices, logup_nonce: int,
                    fri_proof: FriProof) -> Proof:
    """The proof: every tree opened at the queries, with the out-of-domain values."""
    tables = []
    for w, (at_zeta, at_next) in zip(work, openings):
        position = indices & ((1 << w.log_lde) - 1)
        fixed_rows, fixed_paths = _open(w.fixed.tree if w.fixed else None, position)
        main_rows, main_paths = _open(w.main_tree, position)
        aux_rows, aux_paths = _open(w.aux_tree, position)
        quotient_rows, quotient_paths = _open(w.quotient_tree, position)
        tables.append(TableProof(
            w.log_rows, _root_words(w.main_tree), _root_words(w.aux_tree), _root_words(w.quotient_tree),
            w.bus_sum if w.bus_sum is not None else np.zeros(0, np.uint32), at_zeta, at_next,
            fixed_rows, fixed_paths, main_rows, main_paths, aux_rows, aux_paths, quotient_rows, quotient_paths))
    return Proof(_metadata(vk, [w.log_rows for w in work]), logup_nonce, tables, fri_proof)


def verify(vk: VerifyingKey, public: dict[str, list[int]] | None, proof: Proof | bytes, *,
           commitments: dict[str, bytes] | None = None) -> Verdict:
    """Accept the proof, or reject it with the reason.  Never raises on a bad proof.

    commitments: table name -> the Merkle root its main trace must have (`main_root`):
    a table whose whole trace the verifier knows only by a hash (a run's input, say)."""
    try:
        if isinstance(proof, (bytes, bytearray, memoryview)):
            proof = Proof.from_bytes(proof)
        _verify(vk, public or {}, proof, commitments or {})
    except (ProofRejected, FriError, codec.ProofFormatError) as e:
        return Verdict(False, str(e))
    return Verdict(True)


def security(vk: VerifyingKey, log_rows: list[int]) -> SecurityReport:
    """The security level of a proof with tables of 2^log_rows rows under this key."""
    params = vk.params
    interactions = [(1 << lr, i) for t, lr in zip(vk.tables, log_rows) for i in t.air.interactions]
    return security_level(params.fri, log_max_lde=max(log_rows) + params.fri.log_blowup,
                          max_constraint_degree=params.max_constraint_degree,
                          bus_rows=sum(rows for rows, _ in interactions),
                          bus_fields=max((len(i.fields) for _, i in interactions), default=1),
                          num_constraints=max(1, sum(len(t.air.constraints) for t in vk.tables)),
                          logup_pow_bits=params.logup_pow_bits)


def _parameters(params: StarkParameters) -> np.ndarray:
    f = params.fri
    return np.array([f.log_blowup, f.log_arity, f.num_queries, f.pow_bits, f.log_final_size,
                     params.max_constraint_degree, params.logup_pow_bits], dtype=np.uint64)


def _has_bus(vk: VerifyingKey) -> bool:
    """Whether the proof draws LogUp challenges (and grinds before them)."""
    return any(t.bus is not None for t in vk.tables)


def _metadata(vk: VerifyingKey, log_rows: list[int]) -> ProofMetadata:
    return ProofMetadata(_parameters(vk.params), round(100 * security(vk, log_rows).conjectured_bits))


# ---------------------------------------------------------------- prover steps

def _prepare(vk: VerifyingKey, key: ProvingKey, traces, public) -> list[_TableWork]:
    unknown = set(traces) - {t.air.name for t in vk.tables}
    if unknown:
        raise ValueError(f"traces for unknown tables: {sorted(unknown)}")
    work = []
    for t in vk.tables:
        air = t.air
        if air.name not in traces:
            raise ValueError(f"no trace for table {air.name}")
        main = _check_matrix(traces[air.name], air.n_main, f"table {air.name}: trace", vk.params)
        log_rows = main.shape[0].bit_length() - 1
        if t.fixed_log_rows is not None and log_rows != t.fixed_log_rows:
            raise ValueError(f"table {air.name}: trace has {main.shape[0]} rows, its fixed columns "
                             f"{1 << t.fixed_log_rows}")
        values = np.asarray(public.get(air.name, ()), dtype=np.int64)
        if values.shape != (air.n_public,) or (values.size and (values.min() < 0 or values.max() >= P)):
            raise ValueError(f"table {air.name}: expected {air.n_public} public values in [0, p), got {values.tolist()}")
        work.append(_TableWork(t, log_rows, main, values.astype(np.uint32), log_rows + vk.params.fri.log_blowup,
                               key.fixed.get(air.name)))
    return work


def _check_matrix(values, width: int, what: str, params: StarkParameters) -> np.ndarray:
    a = np.asarray(values)
    if a.ndim != 2 or a.shape[1] != width:
        raise ValueError(f"{what} must have shape (n, {width}), got {a.shape}")
    n = a.shape[0]
    if n < 1 << MIN_LOG_ROWS or n & (n - 1) or n > 1 << params.max_log_rows:
        raise ValueError(f"{what} has {n} rows: it needs a power of two in [{1 << MIN_LOG_ROWS}, "
                         f"2^{params.max_log_rows}]")
    if a.dtype.kind not in "iu" or (a.size and (a.min() < 0 or a.max() >= P)):
        raise ValueError(f"{what} must hold integers in [0, p)")
    return np.ascontiguousarray(a, dtype=np.uint32)


def _start_transcript(vk: VerifyingKey, shapes) -> Transcript:
    transcript = Transcript(PROTOCOL)
    transcript.absorb_bytes("verifying-key", vk.digest)
    for log_rows, public in shapes:
        transcript.absorb_int("log-rows", log_rows)
        transcript.absorb_field("public", public)
    return transcript


def _challenges(w, beta, gamma) -> np.ndarray:
    if w.key.bus is None:
        return np.zeros((0, ext.DEGREE), dtype=np.uint32)
    return np.stack([beta, gamma, w.bus_sum])


def _quotient(w: _TableWork, params: StarkParameters, alpha, beta, gamma, threads: int) -> None:
    """Evaluate the combined constraints on a coset, divide by x^n - 1, split and commit."""
    chunks = params.quotient_chunks
    log_blowup = params.fri.log_blowup
    log_q = max(log_blowup, chunks.bit_length() - 1)
    log_domain = w.log_rows + log_q
    shift = coset_shift(w.log_lde)
    if log_q == log_blowup:
        main, fixed, aux = w.main_lde, w.fixed.lde if w.fixed else None, w.aux_lde
    else:
        q_blowup = 1 << log_q
        main = ntt.lde(w.main, q_blowup, shift, threads=threads)
        fixed = ntt.lde(w.fixed.values, q_blowup, shift, threads=threads) if w.fixed else None
        aux = ntt.lde(w.aux, q_blowup, shift, threads=threads) if w.aux is not None else None
    if aux is not None:
        aux = aux.reshape(main.shape[0], -1, ext.DEGREE)
    points = ntt.domain(log_domain, shift)
    combined = evaluate_on_domain(w.key.program, main=main, fixed=fixed, aux=aux, next_shift=1 << log_q,
                                  selectors=selectors(w.log_rows, points), public=w.public,
                                  challenges=_challenges(w, beta, gamma), alpha=alpha, threads=threads)
    quotient = ext.mul(combined, _inverse_vanishing(w.log_rows, log_q, shift))
    coeffs = ntt.intt(quotient, shift=shift, threads=threads)
    n = 1 << w.log_rows
    if coeffs[chunks * n:].any():
        raise ValueError(f"table {w.key.air.name}: the constraints do not hold on the trace (quotient of too "
                         "high degree); prove with check=True to find the row")
    # chunk j's extension coefficients become 4 base columns: column 4j + k
    w.quotient_coeffs = coeffs[:chunks * n].reshape(chunks, n, ext.DEGREE).transpose(1, 0, 2).reshape(n, -1).copy()
    w.quotient_lde = ntt.lde(w.quotient_coeffs, 1 << log_blowup, shift, coefficients=True, threads=threads)
    w.quotient_tree = merkle.commit(w.quotient_lde)


def _inverse_vanishing(log_rows: int, log_q: int, shift: int) -> np.ndarray:
    """1 / (x^n - 1) on shift * H_(n q): x^n = shift^n w_q^i takes q values, repeating."""
    q = 1 << log_q
    z = field.sub(field.mul(field.powers(field.root_of_unity(log_q), q), np.uint32(field.ref_pow(shift, 1 << log_rows))),
                  np.uint32(1))
    inv = field.inv(z)
    return ext.from_base(np.tile(inv, 1 << log_rows))


def _open_ood(w: _TableWork, zeta) -> tuple[np.ndarray, np.ndarray]:
    """Every committed column at zeta (quotient chunks included) and at zeta * w."""
    zeta_next = ext.mul_base(zeta, np.uint32(field.root_of_unity(w.log_rows)))
    local, nxt = [], []
    for values in _trace_matrices(w):
        local.append(evaluate_at(values, w.log_rows, zeta))
        nxt.append(evaluate_at(values, w.log_rows, zeta_next))
    local.append(evaluate_coefficients_at(w.quotient_coeffs, zeta))
    return np.concatenate(local), np.concatenate(nxt)


def _trace_matrices(w: _TableWork) -> list[np.ndarray]:
    """The committed trace matrices on H, in the order of the openings: fixed, main, aux."""
    out = []
    if w.fixed is not None:
        out.append(w.fixed.values)
    out.append(w.main)
    if w.aux is not None:
        out.append(w.aux.reshape(w.main.shape[0], -1))
    return out


def _deep_codeword(w: _TableWork, zeta, at_zeta, at_next, beta, power):
    """The table's DEEP quotients on its LDE domain.  The coefficients at zeta * w are those
    at zeta times beta^K (K columns opened at zeta), so one combination of the trace
    columns serves both points."""
    trace_ldes = ([w.fixed.lde] if w.fixed is not None else []) + [w.main_lde] + \
                 ([w.aux_lde] if w.aux_lde is not None else [])
    points = ntt.domain(w.log_lde, coset_shift(w.log_lde))
    zeta_next = ext.mul_base(zeta, np.uint32(field.root_of_unity(w.log_rows)))
    local_coeffs, next_coeffs, power = _deep_coefficients(power, beta, at_zeta.shape[0], at_next.shape[0])
    trace = _combine(trace_ldes, local_coeffs)
    at_zeta_combined = ext.add(trace, combine_columns(w.quotient_lde, local_coeffs[at_next.shape[0]:]))
    at_next_combined = ext.mul(trace, ext.pow(beta, at_zeta.shape[0]))
    total = deep_quotient(points, zeta, at_zeta_combined, _dot(local_coeffs, at_zeta))
    total = ext.add(total, deep_quotient(points, zeta_next, at_next_combined, _dot(next_coeffs, at_next)))
    return total, power


def _deep_coefficients(power, beta, n_local: int, n_next: int):
    """Successive powers of beta from `power`: n_local for zeta, n_next for zeta * w, and the next."""
    coeffs, power = _powers_from(power, beta, n_local + n_next)
    return coeffs[:n_local], coeffs[n_local:], power


def _combine(matrices, coeffs) -> np.ndarray:
    total, start = None, 0
    for m in matrices:
        part = combine_columns(m, coeffs[start:start + m.shape[1]])
        start += m.shape[1]
        total = part if total is None else ext.add(total, part)
    return total


def _powers_from(start, beta, count: int):
    """[start, start*beta, ...] (count of them) and the next power: by doubling
    (`ext_powers`), not one product at a time, which cost a verifier 0.2 s a segment."""
    powers = ext_powers(beta, count + 1)
    out = ext.mul(powers, start)
    return out[:count], out[count]


def _ext_total(values) -> np.ndarray:
    return (np.sum(np.asarray(values, dtype=np.uint64), axis=0) % np.uint64(P)).astype(np.uint32)


def _dot(coeffs, values) -> np.ndarray:
    return _ext_total(ext.mul(coeffs, values))


def _open(tree, position):
    if tree is None:
        return np.zeros((0, 0), np.uint32), np.zeros((0, 8), np.uint32)
    return tree.open(position)


def main_root(key: ProvingKey | VerifyingKey, name: str, trace: np.ndarray) -> bytes:
    """The root a proof's commitment to this table's main trace has (for `verify(commitments=)`);
    the verifying key is enough."""
    vk = getattr(key, "verifying_key", key)
    names = [t.air.name for t in vk.tables]
    if name not in names:
        raise ValueError(f"no table {name!r} in the key")
    main = _check_matrix(trace, vk.tables[names.index(name)].air.n_main, f"table {name}: trace", vk.params)
    log_lde = main.shape[0].bit_length() - 1 + vk.params.fri.log_blowup
    return merkle.commit(ntt.lde(main, 1 << vk.params.fri.log_blowup, coset_shift(log_lde))).root


def _root_words(tree) -> np.ndarray:
    if tree is None:
        return EMPTY_ROOT
    return np.frombuffer(tree.root, dtype="<u4").astype(np.uint32)


# ---------------------------------------------------------------- verifier

def _verify(vk: VerifyingKey, public: dict, proof: Proof, commitments: dict[str, bytes]) -> None:
    params = vk.params
    if not isinstance(proof, Proof) or len(proof.tables) != len(vk.tables):
        raise ProofRejected(f"the proof has {len(getattr(proof, 'tables', []))} tables, the key {len(vk.tables)}")
    names = [t.air.name for t in vk.tables]
    for name, root in commitments.items():
        if name not in names:
            raise ValueError(f"no table {name!r} in the key to compare a commitment with")
        if _root_bytes(proof.tables[names.index(name)].main_root) != bytes(root):
            raise ProofRejected(f"table {name}: its trace is not the one the given commitment names")
    expected = _parameters(params)
    if not np.array_equal(proof.meta.parameters, expected):
        raise ProofRejected(f"the proof was made with parameters {proof.meta.parameters.tolist()} (blowup log, arity "
                            f"log, queries, grinding bits, final size log, degree, LogUp grinding bits); the key has {expected.tolist()}")
    publics = []
    for t, tp in zip(vk.tables, proof.tables):
        air = t.air
        if not MIN_LOG_ROWS <= tp.log_rows <= params.max_log_rows:
            raise ProofRejected(f"table {air.name}: height 2^{tp.log_rows} is out of range")
        if t.fixed_log_rows is not None and tp.log_rows != t.fixed_log_rows:
            raise ProofRejected(f"table {air.name}: height 2^{tp.log_rows}, its fixed columns 2^{t.fixed_log_rows}")
        values = np.asarray(public.get(air.name, ()), dtype=np.int64)
        if values.shape != (air.n_public,) or (values.size and (values.min() < 0 or values.max() >= P)):
            raise ProofRejected(f"table {air.name}: expected {air.n_public} public values in [0, p)")
        publics.append(values.astype(np.uint32))
        _check_shapes(t, tp, params)

    if proof.meta.security_centibits != _metadata(vk, [tp.log_rows for tp in proof.tables]).security_centibits:
        raise ProofRejected("the proof's stated security level is not the one its parameters give")
    transcript = _start_transcript(vk, [(tp.log_rows, pub) for tp, pub in zip(proof.tables, publics)])
    for tp in proof.tables:
        transcript.absorb_root("main", tp.main_root)
    if _has_bus(vk):
        if not transcript.verify_pow(params.logup_pow_bits, proof.logup_pow_nonce):
            raise ProofRejected(f"LogUp proof of work: nonce {proof.logup_pow_nonce} does not give "
                                f"{params.logup_pow_bits} leading zero bits")
    elif proof.logup_pow_nonce != 0:
        raise ProofRejected("a LogUp proof-of-work nonce in a proof without a bus")
    beta, gamma = transcript.squeeze_ext("logup/challenges", 2)
    for t, tp in zip(vk.tables, proof.tables):
        if t.bus is not None:
            transcript.absorb_root("aux", tp.aux_root)
            transcript.absorb_field("bus-sum", tp.bus_sum)
    sums = [tp.bus_sum for t, tp in zip(vk.tables, proof.tables) if t.bus is not None]
    if sums and _ext_total(sums).any():
        raise ProofRejected("the LogUp bus does not balance: the tables' claimed sums do not add up to zero")
    alpha = transcript.squeeze_ext("constraints/alpha")
    for tp in proof.tables:
        transcript.absorb_root("quotient", tp.quotient_root)
    zeta = transcript.squeeze_ext("ood/zeta")
    for tp in proof.tables:
        transcript.absorb_field("ood/values", tp.at_zeta)
        transcript.absorb_field("ood/values-next", tp.at_zeta_next)
    for t, tp, pub in zip(vk.tables, proof.tables, publics):
        _check_constraints_at_zeta(t, tp, pub, zeta, beta, gamma, alpha, params)

    deep_beta = transcript.squeeze_ext("deep/beta")
    log_sizes = sorted({tp.log_rows + params.fri.log_blowup for tp in proof.tables})
    fri_verifier = FriVerifier(params.fri, log_sizes, proof.fri)
    fri_verifier.absorb_commitments(transcript)
    indices = fri_verifier.check_pow_and_sample(transcript)
    initial: dict[int, np.ndarray] = {}
    power = ONE
    for t, tp in zip(vk.tables, proof.tables):
        values, power = _deep_at_queries(t, tp, indices, zeta, deep_beta, power, params)
        s = tp.log_rows + params.fri.log_blowup
        initial[s] = values if s not in initial else ext.add(initial[s], values)
    fri_verifier.verify_queries(indices, initial)


def _widths(t: TableKey, params: StarkParameters) -> tuple[int, int, int, int]:
    air = t.air
    return air.n_fixed, air.n_main, ext.DEGREE * air.n_aux, ext.DEGREE * params.quotient_chunks


def _check_shapes(t: TableKey, tp: TableProof, params: StarkParameters) -> None:
    name = t.air.name
    fixed, main, aux, quotient = _widths(t, params)
    q = params.fri.num_queries
    expect = {
        "main_root": (8,), "quotient_root": (8,), "aux_root": (8,) if aux else (0,),
        "bus_sum": (4,) if aux else (0,),
        "at_zeta": (fixed + main + aux + quotient, 4), "at_zeta_next": (fixed + main + aux, 4),
        "main_rows": (q, main), "aux_rows": (q, aux) if aux else (0, 0), "quotient_rows": (q, quotient),
        "fixed_rows": (q, fixed) if fixed else (0, 0),
    }
    for name_, shape in expect.items():
        value = getattr(tp, name_)
        if not isinstance(value, np.ndarray) or value.dtype != np.uint32 or value.shape != shape:
            raise ProofRejected(f"table {name}: {name_} has shape {getattr(value, 'shape', None)}, expected {shape}")
        if name_ not in ("main_root", "aux_root", "quotient_root") and value.size and value.max() >= P:
            raise ProofRejected(f"table {name}: {name_} holds a value >= p")
    for name_ in ("fixed_paths", "main_paths", "aux_paths", "quotient_paths"):
        value = getattr(tp, name_)
        if not isinstance(value, np.ndarray) or value.dtype != np.uint32 or value.ndim != 2 or value.shape[1] != 8:
            raise ProofRejected(f"table {name}: {name_} is not a list of digests")


def _check_constraints_at_zeta(t, tp, public, zeta, beta, gamma, alpha, params) -> None:
    air = t.air
    fixed, main, aux, _ = _widths(t, params)
    local, nxt = tp.at_zeta, tp.at_zeta_next
    splits = np.cumsum([fixed, main, aux])
    f_local, m_local, a_local, q_local = np.split(local, splits)
    f_next, m_next, a_next = np.split(nxt, splits[:2])
    challenges = (np.stack([beta, gamma, tp.bus_sum]) if t.bus is not None
                  else np.zeros((0, ext.DEGREE), dtype=np.uint32))
    combined = evaluate_at_point(
        t.program, main_local=m_local, main_next=m_next,
        fixed_local=f_local if fixed else None, fixed_next=f_next if fixed else None,
        aux_local=recombine(a_local) if aux else None, aux_next=recombine(a_next) if aux else None,
        selectors=selectors_at(tp.log_rows, zeta), public=public, challenges=challenges, alpha=alpha)
    n = 1 << tp.log_rows
    z_n = ext.pow(zeta, n)
    vanishing = ext.sub(z_n, ONE)
    if not vanishing.any():
        raise ProofRejected("the out-of-domain point lies in the trace domain")
    chunks = recombine(q_local)
    quotient = np.zeros(ext.DEGREE, dtype=np.uint32)
    z_jn = ONE
    for j in range(chunks.shape[0]):
        quotient = ext.add(quotient, ext.mul(z_jn, chunks[j]))
        z_jn = ext.mul(z_jn, z_n)
    if not np.array_equal(combined, ext.mul(quotient, vanishing)):
        raise ProofRejected(f"table {air.name}: the constraints do not hold at the out-of-domain point")


def _deep_at_queries(t, tp, indices, zeta, beta, power, params):
    name = t.air.name
    log_lde = tp.log_rows + params.fri.log_blowup
    position = indices & ((1 << log_lde) - 1)
    n_lde = 1 << log_lde
    checks = [("fixed", t.fixed_root, tp.fixed_rows, tp.fixed_paths),
              ("main", _root_bytes(tp.main_root), tp.main_rows, tp.main_paths),
              ("aux", _root_bytes(tp.aux_root), tp.aux_rows, tp.aux_paths),
              ("quotient", _root_bytes(tp.quotient_root), tp.quotient_rows, tp.quotient_paths)]
    rows = []
    for what, root, opened, paths in checks:
        if opened.shape[1] == 0:
            continue
        if not merkle.verify_batch(root, position, opened, paths, n_lde):
            raise ProofRejected(f"table {name}: the {what} rows opened at the queries do not match their commitment")
        rows.append(opened)
    points = _points_at(log_lde, position)
    zeta_next = ext.mul_base(zeta, np.uint32(field.root_of_unity(tp.log_rows)))
    local_coeffs, next_coeffs, power = _deep_coefficients(power, beta, tp.at_zeta.shape[0], tp.at_zeta_next.shape[0])
    total = np.zeros((position.size, ext.DEGREE), dtype=np.uint32)
    for z, matrices, coeffs, values in ((zeta, rows, local_coeffs, tp.at_zeta),
                                        (zeta_next, rows[:-1], next_coeffs, tp.at_zeta_next)):
        combined = _combine(matrices, coeffs)
        try:
            total = ext.add(total, deep_quotient(points, z, combined, _dot(coeffs, values)))
        except ZeroDivisionError:
            raise ProofRejected("the out-of-domain point lies in the evaluation domain") from None
    return total, power


def _points_at(log_size: int, position: np.ndarray) -> np.ndarray:
    """The LDE domain's points at the query positions: shift * w^position."""
    w, shift = field.root_of_unity(log_size), coset_shift(log_size)
    return np.array([shift * field.ref_pow(w, int(i)) % P for i in position], dtype=np.uint32)


def _root_bytes(words: np.ndarray) -> bytes:
    return np.asarray(words, dtype="<u4").tobytes()
