"""The machine Airbender guests expect (matter-labs/zksync-airbender), as its simulator defines it.

Read from `riscv_common/src/lib.rs` (the guest side: `csr_read_word`, `csr_write_word`, the
QuasiUART, `zksync_os_finish_success` and `zksync_os_finish_error`), `riscv_common/src/lds/`
and `asm/start.s` (the layout), `risc_v_simulator/src/abstractions/non_determinism.rs` (the
UART protocol) and `risc_v_simulator/src/delegations/blake2_round_function_with_compression_mode.rs`.

- The program is a raw binary (`app.bin`) loaded at address 0, where execution starts with
  every register zero; it is the read-only ROM, and the rest of the 32-bit space is RAM.
- CSR 0x7c0 is the non-determinism port: `csrrw rd, 0x7c0, x0` reads the next input word
  (0 once the input is used up), `csrrw x0, 0x7c0, rs1` writes a word, which the simulator's
  QuasiUART turns into console text; an access that names both rd and rs1 is refused.
- `csrrw x0, 0x7c7, x0` runs one round of BLAKE2s on memory the registers x10-x13 describe.
- The run ends at the first jump or branch to itself; the output is x10..x17.
- `csrrw x0, cycle, x0` is `zksync_os_finish_error`: a run that can never be proven.
"""
from __future__ import annotations

import struct
from collections import deque
from typing import Sequence

from runtime.blake2s import IV, SIGMAS, round_function
from runtime.calls import CSR_OPERAND, CSR_RD, CSR_SOURCE, Call, Csr, Registry, SelfLoop
from runtime.host import EcallError, GuestExit, HostIO
from runtime.memory import GuestMemory
from runtime.memory_map import MemoryMap

NON_DETERMINISM, BLAKE2S, CYCLE = 0x7C0, 0x7C7, 0xC00
RESULTS = range(10, 18)                     # x10..x17: the output of a finished run
HELLO = 0xFFFF_FFFF                         # QuasiUART: a message starts
CONFIGURED_IV = (IV[0] ^ 0x0101_0000 ^ 32, *IV[1:])     # BLAKE2s-256's h without a key
LAST_ROUND, INPUT_IS_RIGHT, COMPRESSION = 1, 2, 4        # x13's control bits
ROM_SIZE = 4 << 20                          # riscv_common/src/lds/4gb_total/memory.x
MEMORY_MAP = MemoryMap(ram_base=0, ram_size=1 << 32, stack_size=None, input_base=None)


def _next_word(io: HostIO) -> int:
    """The input is one stream of u32 LE words: the frames one after the other, zero-padded to 4."""
    words = io.scratch.get("words")
    if words is None:
        blob = b"".join(io.frames)
        io.frames.clear()
        blob = blob.ljust(-(-len(blob) // 4) * 4, b"\0")
        words = io.scratch["words"] = deque(struct.unpack(f"<{len(blob) // 4}I", blob))
    return words.popleft() if words else 0


def _uart(io: HostIO, word: int, step: int) -> None:
    """The simulator's QuasiUARTSource: HELLO, then the message's word count (the length word
    included), the length in bytes and the words; a finished message is one console line.
    Words outside a message are ignored, as there."""
    state = io.scratch.get("uart")
    if state is None:
        if word == HELLO:
            io.scratch["uart"] = {"words": None, "bytes": None, "buffer": bytearray()}
        return
    if state["words"] is None:
        state["words"] = word
        return
    if state["bytes"] is None:
        state["words"] -= 1
        state["bytes"] = word
        return
    if state["words"] > 0:
        state["words"] -= 1
        take = min(state["bytes"], 4)
        state["buffer"] += word.to_bytes(4, "little")[:take]
        state["bytes"] -= take
    if state["words"] == 0:
        del io.scratch["uart"]
        io.write_console(1, bytes(state["buffer"]) + b"\n", step)


def _non_determinism(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """A read when the rs1 field is x0 (into rd, which must not be x0), else a write of rs1
    (and rd must be x0), whatever the CSR instruction: the simulator looks at the registers only."""
    rd, source = regs[CSR_RD], regs[CSR_SOURCE]
    if rd and source:
        raise EcallError(f"airbender: csr 0x7c0 both read (into x{rd}) and written (from x{source}): "
                         f"the non-determinism port is read-only or write-only")
    if not source:
        if not rd:
            raise EcallError("airbender: csr 0x7c0 read into x0 (the simulator refuses it)")
        return (memory.host_value(lambda: _next_word(io)),)
    _uart(io, regs[CSR_OPERAND] & 0xFFFF_FFFF, step)
    return ()


def _blake2s_round(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """One round of BLAKE2s: x10 points at the 8 state words and the 16 words of the extended
    state (128-byte aligned), x11 at the 16 message words, x12 is 1 << round and x13 the
    control bits (last round: fold into the state; compression mode: hash the state and the
    message's first 8 words as a Merkle node: the message's words first if INPUT_IS_RIGHT, as
    the simulator orders them).
    The simulator's asserts are faults here."""
    x10, x11, x12, x13 = (regs[i] & 0xFFFF_FFFF for i in (10, 11, 12, 13))
    problem = ("rs1 is not x0" if regs[CSR_OPERAND] else
               f"x10 = 0x{x10:x} is not 128-byte aligned" if x10 % 128 else
               f"x11 = 0x{x11:x} is not 4-byte aligned" if x11 % 4 else
               "x10 or x11 points into the ROM" if min(x10, x11) < 1 << 21 else
               "x10 = x11" if x10 == x11 else
               f"x12 = 0x{x12:x} is not 1 << round (round < 10)" if x12 & (x12 - 1) or not 0 < x12 < 1 << 10 else None)
    if problem:
        raise EcallError(f"airbender: blake2s round (csr 0x7c7): {problem}")
    words = list(struct.unpack("<24I", memory.read(x10, 96)))
    state, v = words[:8], words[8:]
    message = list(struct.unpack("<16I", memory.read(x11, 64)))
    index = x12.bit_length() - 1
    if x13 & COMPRESSION:
        if index == 0:
            v[:8], v[8:] = CONFIGURED_IV, IV
            v[12] ^= 64
            v[14] ^= 0xFFFF_FFFF
        round_function(v, message[:8] + state if x13 & INPUT_IS_RIGHT else state + message[:8], SIGMAS[index])
    else:
        if index == 0:
            v[:8] = state
            v[8:12], v[13], v[15] = IV[:4], IV[5], IV[7]
        round_function(v, message, SIGMAS[index])
    if x13 & LAST_ROUND:
        base = CONFIGURED_IV if x13 & COMPRESSION else state
        state = [base[i] ^ v[i] ^ v[i + 8] for i in range(8)]
    memory.write(x10, struct.pack("<24I", *state, *v))
    return ()


def _finish_error(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    raise EcallError("airbender: the guest finished with an error (zksync_os_finish_error: csrrw x0, cycle, x0)")


def _finish(call: Call, regs: Sequence[int], memory: GuestMemory, io: HostIO, step: int) -> tuple[int, ...]:
    """The jump to itself: the run succeeded, x10..x17 (u32 LE) are its output."""
    io.output[:] = struct.pack("<8I", *(regs[i] & 0xFFFF_FFFF for i in RESULTS))
    raise GuestExit(0)


AIRBENDER = Registry([
    *(Call("non_determinism", Csr(NON_DETERMINISM, access), _non_determinism)
      for access in ("read", "set", "clear", "write")),
    Call("blake2s_round", Csr(BLAKE2S, "write"), _blake2s_round),
    Call("finish_error", Csr(CYCLE, "write"), _finish_error),
    Call("finish", SelfLoop(), _finish),
], vendor="airbender")
