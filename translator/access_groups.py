"""Memory accesses of a block that one range check can cover.

Loads and stores through the same value of a base register (spills and reloads
through sp, a struct's fields) touch bytes within 4 KiB of each other.  The
lifter checks such a group once, at its first member: the whole span
[base + lowest offset, base + highest offset + size) in RAM, clear of the guard
page, and the group's widest access aligned (so whether each member is
misaligned is known from its offset alone).  Where that holds, every member is a
plain host access; where it does not, a group of loads in the input region reads
it, and any other group leaves for the interpreter at its first member.
"""
from dataclasses import dataclass

from runtime.encoding import BY_ID
from translator.regions import NORMAL, CodeMap


@dataclass(frozen=True)
class Group:
    base: int                   # the base register
    first: int                  # the position in its block of the first member, where the check goes
    low: int                    # the lowest offset of a member
    span: int                   # bytes from base + low to the end of the highest member
    align: int                  # the widest member's size: base + phase must be a multiple of it
    stores: bool                # some member stores: the span must lie where stores may go
    phase: int = 0              # the (first) widest member's offset, mod align: that member is aligned

    def misaligned(self, offset: int, size: int) -> int:
        """1 if a member at `offset` of `size` bytes is misaligned when the check held (base + phase
        aligned; a member's size divides align)."""
        return int((offset - self.phase) % size != 0)


def access_groups(cm: CodeMap, indices) -> dict[int, Group]:
    """The groups of two or more accesses in the block of code slots `indices`, by member position.

    Members share a base register that no instruction between them writes.  Atomics keep their
    own checks (they need alignment, and fault rather than count when misaligned).
    """
    members: dict[tuple[int, int], list[tuple[int, int, int, bool]]] = {}
    version = [0] * 32
    for k, i in enumerate(indices):
        if cm.kind[i] != NORMAL:
            break
        d = cm.decoded[i]
        opcode = BY_ID[int(d["op"])]
        rd, rs1 = int(d["rd"]), int(d["rs1"])
        if opcode.cls in ("load", "store"):
            members.setdefault((rs1, version[rs1]), []).append(
                (k, int(d["imm"]), opcode.size, opcode.cls == "store"))
        if opcode.cls != "store" and rd:
            version[rd] += 1
    groups = {}
    for (base, _), accesses in members.items():
        if len(accesses) < 2:
            continue
        low = min(imm for _, imm, _, _ in accesses)
        align = max(size for _, _, size, _ in accesses)
        widest = next(imm for _, imm, size, _ in accesses if size == align)
        group = Group(base, accesses[0][0], low, max(imm + size for _, imm, size, _ in accesses) - low,
                      align, any(store for *_, store in accesses), widest % align)
        groups.update((k, group) for k, *_ in accesses)
    return groups
