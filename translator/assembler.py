"""A small assembler built from the same encoding table, for tests and examples of bad input.

It knows exactly the table's instructions and the syntax the disassembler prints
(branch and jump targets are absolute addresses or labels), so assemble and
disassemble are inverses.
"""
import re

from runtime.isa import REGISTER_NUMBERS
from runtime.encoding import ROUNDING_MODES, TABLE, Opcode

_AQRL_SUFFIX = {".aqrl": 3, ".aq": 2, ".rl": 1}
_FENCE_BITS = {"i": 8, "o": 4, "r": 2, "w": 1}


class AssemblyError(ValueError):
    pass


def _syntax_regex(syntax: str) -> re.Pattern:
    pattern = re.escape(syntax).replace(r"\ ", r"\s*")
    pattern = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^,()\\s]+)", pattern)
    return re.compile(r"\s*" + pattern + r"\s*$")


def _opcode(name: str, xlen: int) -> Opcode:
    for op in TABLE:
        if op.name == name and xlen in op.xlens:
            return op
    raise AssemblyError(f"unknown instruction {name!r} for RV{xlen}")


def _split_ordering(name: str) -> tuple[str, int]:
    """'amoadd.w.aqrl' -> ('amoadd.w', 3): the ordering suffix is an operand, not a row."""
    for suffix, bits in _AQRL_SUFFIX.items():
        if name.endswith(suffix) and name.startswith(("lr.", "sc.", "amo")):
            return name[: -len(suffix)], bits
    return name, 0


def encode(name: str, xlen: int = 64, **operands: int) -> int:
    """Encode one instruction from numeric operands (imm as the instruction sees it)."""
    name, aqrl = _split_ordering(name)
    op = _opcode(name, xlen)
    if aqrl:
        operands["aqrl"] = aqrl
    rm = operands.pop("rm", 0)          # an F/D rounding mode: bits 14..12, not a format field
    try:
        return op.match | op.format.insert(operands) | rm << 12
    except ValueError as e:
        raise AssemblyError(f"{name}: {e}") from None


def _register(token: str) -> int:
    try:
        return REGISTER_NUMBERS[token]
    except KeyError:
        raise AssemblyError(f"unknown register {token!r}") from None


def _fence_set(token: str) -> int:
    if token == "0":
        return 0
    if set(token) - set(_FENCE_BITS):
        raise AssemblyError(f"bad fence set {token!r}")
    return sum(_FENCE_BITS[c] for c in token)


def _operands(fields: dict[str, str], pc: int, labels: dict[str, int], xlen: int) -> dict[str, int]:
    ops: dict[str, int] = {}
    for key, token in fields.items():
        if key in ("rd", "rs1", "rs2"):
            ops[key] = _register(token)
        elif key in ("imm", "csr"):
            ops["imm"] = int(token, 0)
        elif key == "zimm":
            ops["rs1"] = int(token, 0)
        elif key == "uimm":
            value = int(token, 0) & 0xFFFFF
            ops["imm"] = (value << 12) - ((value & 0x80000) << 13)
        elif key == "target":
            address = labels[token] if token in labels else int(token, 0)
            half = 1 << (xlen - 1)
            ops["imm"] = (address - pc + half) % (2 * half) - half   # offsets wrap like the pc
        elif key in ("pred", "succ"):
            ops[key] = _fence_set(token)
        elif key in ("frd", "frs1", "frs2", "frs3"):
            ops["imm" if key == "frs3" else key[1:]] = _float_register(token)
        elif key == "rm":
            if token not in ROUNDING_MODES:
                raise AssemblyError(f"unknown rounding mode {token!r}")
            ops["rm"] = ROUNDING_MODES.index(token)
    return ops


def _float_register(token: str) -> int:
    if token[:1] != "f" or not token[1:].isdigit() or int(token[1:]) > 31:
        raise AssemblyError(f"unknown floating-point register {token!r}")
    return int(token[1:])


def assemble_line(line: str, pc: int = 0, xlen: int = 64, labels: dict[str, int] | None = None) -> int:
    name, _, rest = line.strip().partition(" ")
    op = _opcode(_split_ordering(name)[0], xlen)
    m = _syntax_regex(op.format.syntax).match(rest)
    if not m:
        raise AssemblyError(f"cannot parse operands of {line.strip()!r} (expected '{op.format.syntax}')")
    try:
        return encode(name, xlen, **_operands(m.groupdict(), pc, labels or {}, xlen))
    except KeyError as e:
        raise AssemblyError(f"unknown label {e} in {line.strip()!r}") from None


def assemble(source: str, base: int, xlen: int = 64) -> bytes:
    """Assemble lines (with `label:` lines and `#` comments) placed from address base."""
    lines, labels = _layout(source, base)
    words = [w if t is None else assemble_line(t, p, xlen, labels) for p, t, w in lines]
    return b"".join(w.to_bytes(4, "little") for w in words)


def label_addresses(source: str, base: int) -> dict[str, int]:
    """Where assemble(source, base) puts each label (for tests that give labels symbols)."""
    return _layout(source, base)[1]


def _layout(source: str, base: int) -> tuple[list[tuple], dict[str, int]]:
    """(pc, instruction text or None, .word value or None) per word, and the labels' addresses."""
    lines, labels, pc = [], {}, base
    for raw in source.splitlines():
        text = raw.split("#", 1)[0].strip()
        while ":" in text:
            label, _, text = text.partition(":")
            labels[label.strip()] = pc
            text = text.strip()
        if text.startswith(".word"):
            lines.append((pc, None, int(text.split()[1], 0)))
            pc += 4
        elif text:
            lines.append((pc, text, None))
            pc += 4
    return lines, labels
