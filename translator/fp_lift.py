"""The site and return steps of lowered F/D (translator/fp_sites.py, docs/float.md) in LLVM IR:
the lifter's second statement of them, so that a call of the soft-float library runs in
translated code from the guest's F/D word to its next instruction.

The site step stores xin, insn, t6 and P + its length in the block and jumps to zkfp_entry.  The return
step reads status, insn, ret, t6 and xout in the interpreter's order (the minimal trace logs
them, full mode replays them); a status other than 0 leaves for the interpreter, which reports
the illegal instruction.  Which instructions write an integer rd is restated here from the
instruction's bits (INTEGER_RD; a test holds it to the encoding table): the FP CSR accesses
and the OP-FP rows whose rd is an x register.
"""
from __future__ import annotations

from runtime import softfp

T6 = 31
# (mask, match) of the words, among those the library accepts, whose rd is an integer register:
# SYSTEM (the FP CSRs); OP-FP feq/flt/fle (funct7 1010x0x), fcvt to integers (1100x0x),
# fmv.x.* and fclass (1110x0x)
INTEGER_RD = ((0x7F, 0x73), (0xF800_007F, 0xA000_0053), (0xF800_007F, 0xC000_0053), (0xF800_007F, 0xE000_0053))
RETURN_LOADS = 5            # the return step's log entries


def writes_integer(word: int) -> bool:
    """INTEGER_RD as Python: whether the library's result goes to an integer rd."""
    return any(word & mask == match for mask, match in INTEGER_RD)


def lift_site(lifter, op_id: int, rs1: int, insn: int, pc: int, k: int, row: dict) -> None:
    """The site step at `pc` storing `insn` (fp_sites.site_word: the F/D word, its length above it),
    the k-th step of its block (which it ends)."""
    f, placement = lifter.f, lifter.cm.float_lowering
    block, entry = placement.block, placement.entry
    xin, t6 = lifter.get(rs1), lifter.get(T6)
    if lifter.mode != "full":                      # a replay's stores touch no memory
        for field, value in ((softfp.XIN, xin), (softfp.INSN, str(insn)), (softfp.T6, t6),
                             (softfp.RET, str(pc + (insn >> 32)))):
            f.do(f"store i64 {value}, ptr {_block_field(lifter, block + field)}, align 8")
    lifter.put(T6, str(block))
    row.update(next_pc=str(entry), a=xin, b=t6, c=str(block), addr=str(block))
    lifter.write_row(k, op_id, row)
    lifter.count_block()
    lifter.goto(entry, pc)


def lift_return(lifter, op_id: int, pc: int, k: int, row: dict) -> None:
    """The return step (zkfp.ret) at `pc`, the k-th step of its block (which it ends)."""
    f, block = lifter.f, lifter.cm.float_lowering.block
    status = f.let(f"load i64, ptr {_peek(lifter, block + softfp.STATUS)}, align 8")
    ok, illegal = f.new_label(), f.new_label()
    f.do(f"br i1 {f.let(f'icmp ne i64 {status}, 0')}, label %{illegal}, label %{ok}")
    f.place(illegal)
    lifter.slow_exit(pc, k)                         # the interpreter reports it at the guest's pc
    f.place(ok)
    _logged(lifter, status)
    insn, back, t6, xout = (_read(lifter, block + field) for field in (softfp.INSN, softfp.RET, softfp.T6,
                                                                         softfp.XOUT))
    lifter.put(T6, t6)
    rd = f.let(f"and i64 {f.let(f'lshr i64 {insn}, 7')}, 31")
    writes = f.let(f"icmp ne i64 {rd}, 0")
    hits = [f.let(f"icmp eq i64 {f.let(f'and i64 {insn}, {mask}')}, {match}") for mask, match in INTEGER_RD]
    rule = hits[0]
    for hit in hits[1:]:
        rule = f.let(f"or i1 {rule}, {hit}")
    writes = f.let(f"and i1 {writes}, {rule}")
    store, done = f.new_label(), f.new_label()
    lifter.store_registers()                        # t6 first: rd may be t6
    f.do(f"br i1 {writes}, label %{store}, label %{done}")
    f.place(store)
    f.do(f"store i64 {xout}, ptr {f.let(f'getelementptr i64, ptr %ctx, i64 {rd}')}")
    f.do(f"br label %{done}")
    f.place(done)
    lifter.values = {key: v for key, v in lifter.values.items() if not isinstance(key, int)}   # rd: any register
    row.update(next_pc=back, a="0", b=t6, c=f.let(f"select i1 {writes}, i64 {xout}, i64 0"), addr=str(block),
               mem=xout)
    lifter.write_row(k, op_id, row)
    lifter.count_block()
    lifter.computed_jump(back, pc)


def _block_field(lifter, address: int) -> str:
    """A pointer to the block field at `address` in the RAM buffer (the block is in RAM: runtime/softfp.py)."""
    return lifter.f.let(f"getelementptr i8, ptr %ram, i64 {address - lifter.layout.ram_base}")


def _peek(lifter, address: int) -> str:
    """Where the next read of the field comes from, without taking it: the log's next entry in a
    replay, else the block in RAM."""
    if lifter.mode == "full":
        return lifter.f.let(f"getelementptr i64, ptr %log, i64 {lifter.get('logpos')}")
    return _block_field(lifter, address)


def _logged(lifter, value: str) -> None:
    """Take the read just peeked: the replay moves past its entry, the minimal trace logs it."""
    if lifter.mode == "full":
        lifter.put("logpos", lifter.f.let(f"add i64 {lifter.get('logpos')}, 1"))
    elif lifter.mode == "minimal":
        lifter.f.do(f"store i64 {value}, ptr {lifter.next_log_position()}")


def _read(lifter, address: int) -> str:
    value = lifter.f.let(f"load i64, ptr {_peek(lifter, address)}, align 8")
    _logged(lifter, value)
    return value
