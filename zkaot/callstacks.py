"""Call stacks of a run: steps per stack of functions, inclusive and self steps per function.

The run goes through the translated code twice, as `zkaot trace` does: once in
minimal-trace mode, then chunk by chunk in full mode, whose rows give every
step's pc.  Each chunk is reduced, with numpy, to segments: stretches of steps
in one function that end at most at one call, return or tail call.  A numba
kernel then walks the segments of all chunks in order with a shadow stack of
return addresses:

- a call is a jal/jalr that writes ra or t0 (the RISC-V return-address hints);
  it pushes a frame for the function the call lands in;
- a return is a jalr through ra or t0 that writes nothing; it pops back to the
  nearest of the top 64 frames whose return address is where it went, and pops
  nothing if there is none (a longjmp unwinds several frames at once; a return
  that matches no call leaves the stack as it is, so the stack cannot drift);
- a tail call is a jump (not a return) to the first instruction of a function;
  it replaces the top frame.

Steps count for the stack's top frame, or for the function of the pc when that
is another (code reached without a call).  With DWARF (zkaot/inlines.py), code
inlined into a function counts for a frame of each inlined call above it.  Stacks deeper than MAX_DEPTH frames
are counted at that depth: the shadow stack still tracks every frame.
"""
from dataclasses import dataclass

import numpy as np
from numba import njit, types
from numba.typed import Dict

from runtime.encoding import CLASSES, OP_CLASS
from runtime.isa import LINK_REGISTERS
from runtime.memory_map import MemoryMap
from runtime.profiles import ZKAOT_PROFILE
from runtime.profiles import Profile as MachineProfile
from translator.executor import NativeMachine
from translator.expand import chunks_of, expand_chunk
from translator.regions import code_map
from zkaot.inlines import InlineMap

MAX_DEPTH = 512                 # frames of a stack kept apart; deeper ones count at this depth
RETURN_SEARCH = 64              # frames a return looks down the stack for its return address
PLAIN, CALL, RETURN, TAIL = 0, 1, 2, 3
ROOT = 0                        # the trie node above every stack


@dataclass
class CallProfile:
    """A trie of the stacks seen: node k is function `func[k]` called from node `parent[k]`."""
    names: list[str]            # by function id
    parent: np.ndarray
    func: np.ndarray
    steps: np.ndarray           # steps with exactly this stack
    total: int
    result: object              # the run's RunResult

    def folded(self) -> list[tuple[str, int]]:
        """(`outer;...;inner`, steps) per stack with steps of its own: the flamegraph.pl format."""
        paths = self.paths()
        return [(";".join(self.names[f] for f in paths[k]), int(self.steps[k]))
                for k in np.flatnonzero(self.steps)]

    def inclusive(self) -> np.ndarray:
        """Steps per function id with the function anywhere on the stack (recursion counted once)."""
        totals = self.subtree_steps()
        outermost = _outermost(self.parent, self.func)
        outermost[ROOT] = False
        return np.bincount(self.func[outermost], totals[outermost], minlength=len(self.names)).astype(np.int64)

    def self_steps(self) -> np.ndarray:
        """Steps per function id with the function on top of the stack."""
        return np.bincount(self.func[1:], self.steps[1:], minlength=len(self.names)).astype(np.int64)

    def subtree_steps(self) -> np.ndarray:
        """Steps per node including every stack that extends it."""
        return _subtree(self.parent, self.steps)

    def paths(self) -> list[list[int]]:
        """Each node's stack, as function ids from the outermost."""
        paths: list[list[int]] = [[] for _ in range(len(self.parent))]
        for k in range(1, len(self.parent)):             # parents come before their children
            paths[k] = paths[self.parent[k]] + [int(self.func[k])]
        return paths


@njit(cache=True)
def _subtree(parent, steps):
    total = steps.astype(np.int64).copy()
    for k in range(len(parent) - 1, 0, -1):
        total[parent[k]] += total[k]
    return total


@njit(cache=True)
def _outermost(parent, func):
    """Whether no ancestor of a node is the same function (where its inclusive steps are counted)."""
    out = np.zeros(len(parent), np.bool_)
    for k in range(1, len(parent)):
        a = parent[k]
        out[k] = True
        while a != ROOT:
            if func[a] == func[k]:
                out[k] = False
                break
            a = parent[a]
    return out


class _Functions:
    """Which function each code word is in (its leaf: the symbol's function, or an inlined call in it),
    and what kind of control transfer it is."""

    def __init__(self, program, inlines: InlineMap | None = None):
        cm = code_map(program, "fast")
        self.base = cm.base
        starts = np.array([s for s, _, _ in program.functions], np.int64)
        self.names = [name for _, _, name in program.functions] + ["<no symbol>"]
        self.shift = cm.shift           # slots of 4 bytes, or 2 with the C extension (translator/regions.py)
        pcs = cm.base + (np.arange(len(cm.kind), dtype=np.int64) << cm.shift)
        owner = np.searchsorted(starts, pcs, side="right") - 1
        self.owner = np.where(owner < 0, len(self.names) - 1, owner).astype(np.int32)
        # Words inside inlined calls get a leaf id of their own per (function, inline chain), after
        # the functions' ids; the profile expands them into frames afterwards (_expand_inlines).
        self.leaf, self.inlined = self.owner, []
        if inlines is not None and inlines.base == cm.base and len(inlines.context) == len(cm.kind):
            inside = inlines.context > 0
            pairs, leaf = np.unique(np.stack([self.owner[inside], inlines.context[inside]]), axis=1,
                                    return_inverse=True)
            self.leaf = self.owner.copy()
            self.leaf[inside] = len(self.names) + leaf.ravel()
            self.inlined = [(int(f), inlines.chains[c]) for f, c in pairs.T]
        self.is_start = np.zeros(len(cm.kind), bool)
        inside = (starts >= cm.base) & (starts < cm.base + (len(cm.kind) << cm.shift)) & \
            (starts % (1 << cm.shift) == 0)
        self.is_start[(starts[inside] - cm.base) >> cm.shift] = True
        d = cm.decoded
        cls = np.where(d["op"] >= 0, OP_CLASS[np.maximum(d["op"], 0)], len(CLASSES))
        jalr = cls == CLASSES.index("jalr")
        jump = jalr | (cls == CLASSES.index("jal"))
        links = np.isin(d["rd"], LINK_REGISTERS)
        self.kind = np.where(jump & links, CALL, PLAIN).astype(np.int8)
        self.kind[jalr & (d["rd"] == 0) & np.isin(d["rs1"], LINK_REGISTERS)] = RETURN
        self.kind[cls == CLASSES.index("float")] = CALL         # a lowered F/D word calls the soft-float
        self.kind[cls == CLASSES.index("floatret")] = RETURN    # library, whose zkfp.ret returns (fp_sites)
        self.jump = jump & ~links & (self.kind != RETURN)        # a tail call if it lands on a function

    def index(self, pcs: np.ndarray) -> np.ndarray:
        return ((pcs.astype(np.int64) - self.base) >> self.shift).clip(0, len(self.owner) - 1)

    def segments(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """A chunk's rows as segments: (steps, function, event kind, event's function, return address)."""
        here, there = self.index(rows["pc"]), self.index(rows["next_pc"])
        func = self.leaf[here]
        kind = self.kind[here].copy()
        kind[self.jump[here] & self.is_start[there] & (self.owner[there] != self.owner[here])] = TAIL
        events = np.flatnonzero(kind)
        cuts = np.union1d(np.flatnonzero(func[1:] != func[:-1]) + 1, events + 1)
        starts = np.concatenate([[0], cuts[cuts < len(rows)]])
        last = np.append(starts[1:], len(rows)) - 1
        seg_kind = kind[last]
        target_func = self.owner[there[last]]
        address = np.where(seg_kind == RETURN, rows["next_pc"][last],
                           rows["pc"][last] + rows["len"][last]).astype(np.int64)
        return np.diff(np.append(starts, len(rows))), func[starts], seg_kind, target_func, address


@njit(cache=True)
def _child(children, parent, func, nodes, above, f):
    """The trie node for function f called from node `above`, made if it is new: (node, nodes)."""
    key = above * (1 << 32) + f
    if key not in children:
        children[key] = nodes
        parent[nodes], func[nodes] = above, f
        nodes += 1
    return children[key], nodes


@njit(cache=True)
def _walk(seg_len, seg_func, seg_kind, seg_target, seg_address, parent, func, steps, children,
          frames, returns, state):
    """Apply a chunk's segments to the shadow stack; the trie grows in place.  Returns the number of
    segments done: fewer than all when the trie's arrays are full (the caller grows them and calls
    again from there).  state = [depth, nodes]."""
    depth, nodes = state[0], state[1]
    for i in range(len(seg_len)):
        if nodes + 2 > len(parent) or depth + 1 >= len(frames):
            state[0], state[1] = depth, nodes
            return i
        if depth == 0:                                   # the first step: the function it is in
            frames[1], nodes = _child(children, parent, func, nodes, ROOT, seg_func[i])
            returns[1], depth = -1, 1
        top = frames[min(depth, MAX_DEPTH)]
        node = top
        if func[top] != seg_func[i]:
            node, nodes = _child(children, parent, func, nodes, top, seg_func[i])
        steps[node] += seg_len[i]
        kind = seg_kind[i]
        if kind == CALL or kind == TAIL:
            below = frames[min(depth, MAX_DEPTH)] if kind == CALL else parent[frames[min(depth, MAX_DEPTH)]]
            if kind == CALL:
                depth += 1
            if depth <= MAX_DEPTH:
                frames[depth], nodes = _child(children, parent, func, nodes, below, seg_target[i])
            if kind == CALL:
                returns[depth] = seg_address[i]
        elif kind == RETURN:
            for k in range(depth, max(depth - RETURN_SEARCH, 1), -1):
                if returns[k] == seg_address[i]:
                    depth = k - 1
                    break
    state[0], state[1] = depth, nodes
    return len(seg_len)


class _Walker:
    """The shadow stack and the trie across the chunks of a run."""

    def __init__(self):
        self.parent = np.zeros(1 << 12, np.int64)
        self.func = np.full(1 << 12, -1, np.int64)
        self.steps = np.zeros(1 << 12, np.int64)
        self.frames = np.zeros(1 << 12, np.int64)
        self.returns = np.zeros(1 << 12, np.int64)
        self.children = Dict.empty(key_type=types.int64, value_type=types.int64)
        self.state = np.array([0, 1], np.int64)           # depth, nodes (node 0 is ROOT)

    def add(self, segments: tuple[np.ndarray, ...]) -> None:
        segments = tuple(np.ascontiguousarray(s, np.int64) for s in segments)
        while len(segments[0]):
            done = _walk(*segments, self.parent, self.func, self.steps, self.children, self.frames,
                         self.returns, self.state)
            segments = tuple(s[done:] for s in segments)
            if len(segments[0]):
                self._grow()

    def _grow(self) -> None:
        if self.state[1] + 2 > len(self.parent):
            self.parent, self.func, self.steps = (np.concatenate([a, np.zeros_like(a)])
                                                  for a in (self.parent, self.func, self.steps))
        if self.state[0] + 1 >= len(self.frames):
            self.frames, self.returns = (np.concatenate([a, np.zeros_like(a)]) for a in (self.frames, self.returns))


def call_profile(program, input_bytes: bytes = b"", memory_map: MemoryMap = MemoryMap(), cache_dir=None,
                 step_limit: int | None = None, progress=None, inlines: InlineMap | None = None,
                 machine: MachineProfile = ZKAOT_PROFILE, frames=()) -> CallProfile:
    """Steps per call stack of a run (a run stopped at step_limit is profiled up to there), with the
    inlined calls of `inlines` as frames of their own; progress(steps done, total) after each chunk.
    `machine` is the machine profile (runtime/profiles.py) and `frames` the input its calls hand out."""
    if machine is not ZKAOT_PROFILE:
        memory_map = machine.maps[program.xlen]
    run = NativeMachine(program, input_bytes, memory_map, "minimal", step_limit, cache_dir=cache_dir,
                        calls=machine.calls[program.xlen], frames=frames).run()
    functions, walker = _Functions(program, inlines), _Walker()
    done = 0
    for chunk in chunks_of(program, run.trace, run.result.steps, memory_map, cache_dir=cache_dir,
                           profile=machine.name):
        rows, _ = expand_chunk(chunk)
        walker.add(functions.segments(rows))
        done += len(rows)
        if progress:
            progress(done, run.result.steps)
    n = int(walker.state[1])
    prof = CallProfile(functions.names, walker.parent[:n], walker.func[:n], walker.steps[:n], run.result.steps,
                       run.result)
    return _expand_inlines(prof, functions.inlined) if functions.inlined else prof


def _expand_inlines(prof: CallProfile, inlined: list[tuple[int, tuple[str, ...]]]) -> CallProfile:
    """The trie with each inlined-code leaf (ids from len(names): a function and its inline chain) made
    frames: the function, if its caller is not already it, then each inlined call."""
    names = list(prof.names)
    ids = {name: i for i, name in enumerate(names)}
    parent, func, steps = [ROOT], [-1], [0]
    children: dict[tuple[int, int], int] = {}

    def child(p: int, f: int) -> int:
        if (p, f) not in children:
            children[p, f] = len(parent)
            parent.append(p)
            func.append(f)
            steps.append(0)
        return children[p, f]

    new = [ROOT] * len(prof.parent)
    for k in range(1, len(prof.parent)):                 # parents come before their children
        p, f = new[prof.parent[k]], int(prof.func[k])
        if f < len(prof.names):
            node = child(p, f)
        else:
            owner, chain = inlined[f - len(prof.names)]
            node = p if func[p] == owner else child(p, owner)
            for name in chain:
                if name not in ids:
                    ids[name] = len(names)
                    names.append(name)
                node = child(node, ids[name])
        new[k] = node
        steps[node] += int(prof.steps[k])
    return CallProfile(names, np.array(parent, np.int64), np.array(func, np.int64), np.array(steps, np.int64),
                       prof.total, prof.result)
