"""Small loops of a region, whose registers the lifter keeps in SSA values while the run goes around them.

A loop here is a set of strongly connected blocks of one region, joined by branches and jumps (no
calls, computed jumps or float steps), of at most MAX_BLOCKS blocks: a list walk, a byte loop, the
inner loop of a nest (a larger strongly connected set is taken apart at its first block, its
header, and searched again).  The registers its blocks write live in allocas that LLVM makes SSA
values, loaded from their context slots where the run enters the loop and stored where it leaves
it, so an iteration neither stores them nor waits for its own stores (docs/translator.md).
"""
from dataclasses import dataclass

from translator.regions import BRANCH, JAL, NORMAL, CodeMap

MAX_BLOCKS = 8


@dataclass(frozen=True)
class Loop:
    blocks: frozenset[int]          # their leaders
    registers: tuple[int, ...]      # the registers the blocks write, in SSA values inside the loop


def small_loops(cm: CodeMap, blocks: dict[int, list[int]]) -> dict[int, Loop]:
    """leader -> the small loop its block belongs to, for the blocks of a region (`blocks`: leader ->
    the block's slot indices, CodeMap.blocks) that are in one."""
    mask = (1 << cm.xlen) - 1
    successors: dict[int, list[int]] = {}
    written: dict[int, set[int]] = {}
    for leader, indices in blocks.items():
        last = indices[-1]
        pc, d = cm.address(last), cm.decoded[last]
        nxt, target = (pc + cm.length(last)) & mask, (pc + int(d["imm"])) & mask
        kind = cm.kind[last]
        out = [nxt] if kind == NORMAL else [target, nxt] if kind == BRANCH else \
            [target] if kind == JAL and d["rd"] == 0 else None
        if out is not None:         # any other block ends with a call or a computed jump: in no loop
            successors[leader] = [t for t in out if t in blocks]
            written[leader] = {int(r) for r in cm.decoded["rd"][indices]} - {0}
    loops: dict[int, Loop] = {}
    for blocks in _loops(successors, set(successors)):
        registers = tuple(sorted(set().union(*(written[b] for b in blocks))))
        if registers:
            loop = Loop(frozenset(blocks), registers)
            loops.update((b, loop) for b in blocks)
    return loops


def _loops(successors: dict[int, list[int]], blocks: set[int]) -> list[set[int]]:
    """The cycles of at most MAX_BLOCKS blocks among `blocks`: the strongly connected sets, and in a
    larger one, the sets left when edges back to its first block are taken away."""
    found = []
    for scc in _strongly_connected(successors, blocks):
        header = min(scc)
        if len(scc) == 1 and header not in successors[header]:
            continue
        if len(scc) <= MAX_BLOCKS:
            found.append(scc)
            continue
        inner = {b: [t for t in successors[b] if t != header] for b in scc}
        found += _loops(inner, scc - {header})
    return found


def _strongly_connected(successors: dict[int, list[int]], blocks: set[int]) -> list[set[int]]:
    """Tarjan's strongly connected components of the graph restricted to `blocks`, without recursion."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    components = []
    for root in sorted(blocks):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            edges = [t for t in successors.get(node, ()) if t in blocks]
            if i < len(edges):
                work.append((node, i + 1))
                t = edges[i]
                if t not in index:
                    work.append((t, 0))
                elif t in on_stack:
                    low[node] = min(low[node], index[t])
                continue
            if low[node] == index[node]:
                component = set()
                while True:
                    b = stack.pop()
                    on_stack.discard(b)
                    component.add(b)
                    if b == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components
