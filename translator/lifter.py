"""Guest regions to LLVM IR: the semantics stated a second time, independently of the interpreter.

One region (translator/regions.py) becomes one function
`i32 region_<start>(u64 *ctx, i64 pc)` that starts at the block for `pc`, runs
guest blocks that branch to each other directly, and returns a status with
ctx[SLOT_PC] set to where execution goes next.  Guest registers live in
allocas that LLVM promotes to host registers; they are loaded from the context
on entry and written back on exit.  Every guest memory access is checked
against the memory map in the generated code; anything unusual (an access the
fast checks do not cover, ecalls, atomics, illegal words, bad jumps) leaves the
function with STATUS_SLOW so that the interpreter performs exactly that step.

Modes: "fast" counts steps and misaligned accesses; "minimal" also appends
every value memory returns to the load log and counts block executions;
"full" replays a chunk: loads take their values from the log, stores touch no
memory, and every step writes its runtime.trace.MAIN_ROW.
"""
from dataclasses import dataclass

from llvmlite import ir

from runtime.trace import MAIN_ROW
from translator.regions import BRANCH, JAL, JALR, NORMAL, SLOW, CodeMap, Region
from translator.tracing import access_size

MODES = ("fast", "minimal", "full")

# The context: an array of u64 slots shared with translator/executor.py.
SLOT_PC, SLOT_STEPS, SLOT_BUDGET, SLOT_MISALIGNED = 32, 33, 34, 35
SLOT_RAM, SLOT_INPUT, SLOT_INPUT_LEN, SLOT_BLOCK_START = 36, 37, 38, 39
SLOT_LOG, SLOT_LOG_POS, SLOT_LOG_CAP, SLOT_COUNTS = 40, 41, 42, 43
SLOT_ROWS, SLOT_ROW_BASE, SLOT_PREV_PC = 44, 45, 46
SLOT_CODE_BASE, SLOT_CODE_WORDS, SLOT_TABLE = 47, 48, 49
CTX_SLOTS = 50

STATUS_CONTINUE, STATUS_YIELD, STATUS_SLOW, STATUS_MISS = 0, 1, 2, 3

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
CTX_TYPE = I64.as_pointer()
REGION_TYPE = ir.FunctionType(I32, [CTX_TYPE, I64])
ROW_WORDS = MAIN_ROW.itemsize // 8
_ROW_FIELDS = ("pc", "next_pc", "a", "b", "c", "addr", "mem")


@dataclass(frozen=True)
class Layout:
    """Memory-map constants baked into the code (part of the cache key)."""
    ram_base: int
    ram_size: int
    guard_lo: int        # offsets from ram_base
    guard_hi: int
    writable_lo: int     # stores below this offset take the slow path (code, read-only data)
    input_base: int


def region_name(region: Region) -> str:
    return f"region_{region.start:x}"


class _RegionLifter:
    def __init__(self, module: ir.Module, cm: CodeMap, region: Region, mode: str, layout: Layout):
        self.cm, self.region, self.mode, self.layout = cm, region, mode, layout
        self.xlen = cm.xlen
        self.T = ir.IntType(self.xlen)
        self.mask = (1 << self.xlen) - 1
        self.fn = ir.Function(module, REGION_TYPE, name=region_name(region))
        self.fn.args[0].add_attribute("noalias")
        self.ctx, self.entry_pc = self.fn.args
        self.entry = self.fn.append_basic_block("entry")
        self.b = ir.IRBuilder(self.entry)
        self.regs: dict[int, ir.AllocaInstr] = {}
        self.written: set[int] = set()
        self.blocks = {pc: self.fn.append_basic_block(f"b_{pc:x}") for pc in region.leaders}

    # ---- context access ----------------------------------------------------
    def slot(self, index: int) -> ir.Value:
        return self.b.gep(self.ctx, [ir.Constant(I64, index)])

    def ctx_load(self, index: int) -> ir.Value:
        return self.b.load(self.slot(index))

    def ctx_store(self, index: int, value: ir.Value) -> None:
        self.b.store(value, self.slot(index))

    def const(self, value: int, typ=None) -> ir.Constant:
        typ = typ or self.T
        return ir.Constant(typ, value & ((1 << typ.width) - 1))

    def to64(self, value: ir.Value) -> ir.Value:
        return value if self.xlen == 64 else self.b.zext(value, I64)

    # ---- guest registers ---------------------------------------------------
    def reg_slot(self, r: int) -> ir.AllocaInstr:
        if r not in self.regs:
            with self.b.goto_entry_block():
                self.regs[r] = self.b.alloca(self.T, name=f"x{r}")
        return self.regs[r]

    def reg(self, r: int) -> ir.Value:
        return self.const(0) if r == 0 else self.b.load(self.reg_slot(r))

    def set_reg(self, r: int, value: ir.Value) -> None:
        if r:
            self.written.add(r)
            self.b.store(value, self.reg_slot(r))

    # ---- building the function ----------------------------------------------
    def lift(self) -> ir.Function:
        b = self.b
        self.v_next = b.alloca(I64, name="next_pc")
        self.v_status = b.alloca(I32, name="status")
        self.v_prev = b.alloca(I64, name="prev_pc")
        self.v_block = b.alloca(I64, name="block_start")
        self.v_steps = b.alloca(I64, name="steps")
        self.v_mis = b.alloca(I64, name="misaligned")
        b.store(self.ctx_load(SLOT_STEPS), self.v_steps)
        b.store(self.ctx_load(SLOT_MISALIGNED), self.v_mis)
        self.budget = self.ctx_load(SLOT_BUDGET)
        self.ram = b.inttoptr(self.ctx_load(SLOT_RAM), I8.as_pointer())
        self.input = b.inttoptr(self.ctx_load(SLOT_INPUT), I8.as_pointer())
        self.input_len = self.ctx_load(SLOT_INPUT_LEN)
        if self.mode != "fast":
            self.v_logpos = b.alloca(I64, name="log_pos")
            b.store(self.ctx_load(SLOT_LOG_POS), self.v_logpos)
            self.log = b.inttoptr(self.ctx_load(SLOT_LOG), I64.as_pointer())
            self.log_cap = self.ctx_load(SLOT_LOG_CAP)
            self.counts = b.inttoptr(self.ctx_load(SLOT_COUNTS), I64.as_pointer())
        if self.mode == "full":
            self.rows = b.inttoptr(self.ctx_load(SLOT_ROWS), I64.as_pointer())
            self.row_base = self.ctx_load(SLOT_ROW_BASE)
        self.exit_block = self.fn.append_basic_block("exit")
        miss = self.fn.append_basic_block("miss")
        switch = b.switch(self.entry_pc, miss)
        for pc in self.region.entries:
            switch.add_case(ir.Constant(I64, pc), self.blocks[pc])
        b.position_at_end(miss)
        self.leave(self.entry_pc, STATUS_MISS, self.region.start)
        for leader in self.region.leaders:
            b.position_at_end(self.blocks[leader])
            self.lift_block(leader)
        self.emit_exit()
        self.load_registers_on_entry(switch)
        return self.fn

    def load_registers_on_entry(self, switch) -> None:
        self.b.position_before(switch)
        for r, slot in sorted(self.regs.items()):
            value = self.ctx_load(r)
            self.b.store(value if self.xlen == 64 else self.b.trunc(value, I32), slot)

    def leave(self, next_pc, status: int, prev_pc: int, block_start: int = 0) -> None:
        b = self.b
        b.store(next_pc if isinstance(next_pc, ir.Value) else ir.Constant(I64, next_pc), self.v_next)
        b.store(ir.Constant(I32, status), self.v_status)
        b.store(ir.Constant(I64, prev_pc), self.v_prev)
        b.store(ir.Constant(I64, block_start), self.v_block)
        b.branch(self.exit_block)

    def emit_exit(self) -> None:
        b = self.b
        b.position_at_end(self.exit_block)
        for r in sorted(self.written):
            self.ctx_store(r, self.to64(b.load(self.regs[r])))
        self.ctx_store(SLOT_PC, b.load(self.v_next))
        self.ctx_store(SLOT_PREV_PC, b.load(self.v_prev))
        self.ctx_store(SLOT_BLOCK_START, b.load(self.v_block))
        self.ctx_store(SLOT_STEPS, b.load(self.v_steps))
        self.ctx_store(SLOT_MISALIGNED, b.load(self.v_mis))
        if self.mode != "fast":
            self.ctx_store(SLOT_LOG_POS, b.load(self.v_logpos))
        b.ret(b.load(self.v_status))

    # ---- blocks ---------------------------------------------------------------
    def lift_block(self, leader: int) -> None:
        b, cm = self.b, self.cm
        indices = cm.block(leader, self.region)
        if cm.kind[indices[0]] == SLOW:
            self.leave(leader, STATUS_SLOW, leader, leader)
            return
        n = len(indices)
        steps = b.load(self.v_steps)
        over = b.icmp_unsigned(">", b.add(steps, ir.Constant(I64, n)), self.budget)
        loads = sum(self.is_load(i) for i in indices)
        if self.mode == "minimal" and loads:
            pos = b.load(self.v_logpos)
            over = b.or_(over, b.icmp_unsigned(">", b.add(pos, ir.Constant(I64, loads)), self.log_cap))
        body = self.fn.append_basic_block(f"body_{leader:x}")
        b.cbranch(over, self.yield_block(), body)
        self.yield_pc.add_incoming(ir.Constant(I64, leader), b.block)
        b.position_at_end(body)
        b.store(b.add(steps, ir.Constant(I64, n)), self.v_steps)
        self.block_steps, self.leader = steps, leader
        for k, i in enumerate(indices):
            last = k == n - 1
            self.lift_instruction(i, k, last)

    def yield_block(self) -> ir.Block:
        """One block per region where every guest block goes when its steps would cross the budget."""
        if not hasattr(self, "_yield"):
            self._yield = self.fn.append_basic_block("yield")
            with self.b.goto_block(self._yield):
                self.yield_pc = self.b.phi(I64)
                self.leave(self.yield_pc, STATUS_YIELD, 0)
        return self._yield

    def is_load(self, i: int) -> bool:
        return self.cm.decoded["op"][i] >= 0 and _FORMAT_OF[self.cm.decoded["op"][i]] == "LOAD"

    def count_block(self) -> None:
        if self.mode == "minimal":
            b = self.b
            p = b.gep(self.counts, [ir.Constant(I64, self.cm.index(self.leader))])
            b.store(b.add(b.load(p), ir.Constant(I64, 1)), p)

    def goto(self, target: int, prev_pc: int) -> None:
        """Continue at a static target: a direct branch inside the region, else via the dispatcher."""
        if target in self.blocks:
            self.b.branch(self.blocks[target])
        else:
            self.leave(target, STATUS_CONTINUE, prev_pc)

    def slow_exit(self, pc: int, k: int) -> None:
        """Leave before the instruction at pc (the k-th of its block) so the interpreter runs it."""
        b = self.b
        b.store(b.add(self.block_steps, ir.Constant(I64, k)), self.v_steps)
        self.leave(pc, STATUS_SLOW, pc, self.leader)

    # ---- instructions -------------------------------------------------------
    def lift_instruction(self, i: int, k: int, last: bool) -> None:
        b, cm = self.b, self.cm
        d = cm.decoded[i]
        op_id, rd, rs1, rs2, imm = int(d["op"]), int(d["rd"]), int(d["rs1"]), int(d["rs2"]), int(d["imm"])
        name, fmt = _NAME_OF[op_id], _FORMAT_OF[op_id]
        pc = cm.base + 4 * i
        nxt = (pc + 4) & self.mask
        kind = cm.kind[i]
        row = dict(pc=ir.Constant(I64, pc), next_pc=ir.Constant(I64, nxt), a=ir.Constant(I64, 0),
                   b=ir.Constant(I64, 0), c=ir.Constant(I64, 0), addr=ir.Constant(I64, 0),
                   mem=ir.Constant(I64, 0), flags=None)
        if kind == NORMAL:
            if fmt == "LOAD":
                self.lift_load(name, rd, rs1, imm, pc, k, row)
            elif fmt == "S":
                self.lift_store(name, rs1, rs2, imm, pc, k, row)
            elif fmt == "FENCE":
                pass
            else:
                self.lift_alu(name, fmt, rd, rs1, rs2, imm, pc, row)
            self.write_row(k, op_id, row)
            if last:
                self.count_block()
                self.goto(nxt, pc)
            return
        a = self.reg(rs1) if kind in (BRANCH, JALR) else self.const(0)
        if kind == BRANCH:
            c = self.reg(rs2)
            taken = self.compare(name, a, c)
            target = (pc + imm) & self.mask
            row.update(a=self.to64(a), b=self.to64(c), c=b.zext(taken, I64),
                       next_pc=b.select(taken, ir.Constant(I64, target), ir.Constant(I64, nxt)))
            self.write_row(k, op_id, row)
            self.count_block()
            yes, no = self.fn.append_basic_block(), self.fn.append_basic_block()
            b.cbranch(taken, yes, no)
            b.position_at_end(yes)
            self.goto(target, pc)
            b.position_at_end(no)
            self.goto(nxt, pc)
        elif kind == JAL:
            target = (pc + imm) & self.mask
            self.set_reg(rd, self.const(nxt))
            row.update(b=ir.Constant(I64, imm & self.mask), c=ir.Constant(I64, nxt if rd else 0),
                       next_pc=ir.Constant(I64, target))
            self.write_row(k, op_id, row)
            self.count_block()
            self.goto(target, pc)
        elif kind == JALR:
            target = b.and_(b.add(a, self.const(imm)), self.const(~1))
            bad = b.icmp_unsigned("!=", b.and_(target, self.const(3)), self.const(0))
            ok, slow = self.fn.append_basic_block(), self.fn.append_basic_block()
            b.cbranch(bad, slow, ok)
            b.position_at_end(slow)
            self.slow_exit(pc, k)
            b.position_at_end(ok)
            self.set_reg(rd, self.const(nxt))
            row.update(a=self.to64(a), b=ir.Constant(I64, imm & self.mask),
                       c=ir.Constant(I64, nxt if rd else 0), next_pc=self.to64(target))
            self.write_row(k, op_id, row)
            self.count_block()
            self.leave(self.to64(target), STATUS_CONTINUE, pc)

    def compare(self, name: str, a, c) -> ir.Value:
        b = self.b
        return {"beq": lambda: b.icmp_unsigned("==", a, c), "bne": lambda: b.icmp_unsigned("!=", a, c),
                "blt": lambda: b.icmp_signed("<", a, c), "bge": lambda: b.icmp_signed(">=", a, c),
                "bltu": lambda: b.icmp_unsigned("<", a, c), "bgeu": lambda: b.icmp_unsigned(">=", a, c)}[name]()

    def write_row(self, k: int, op_id: int, row: dict) -> None:
        if self.mode != "full":
            return
        b = self.b
        index = b.sub(b.add(self.block_steps, ir.Constant(I64, k)), self.row_base)
        base = b.mul(index, ir.Constant(I64, ROW_WORDS))
        for offset, field in enumerate(_ROW_FIELDS):
            b.store(row[field], b.gep(self.rows, [b.add(base, ir.Constant(I64, offset))]))
        tail = ir.Constant(I64, op_id)
        if row["flags"] is not None:
            tail = b.or_(tail, b.shl(row["flags"], ir.Constant(I64, 16)))
        b.store(tail, b.gep(self.rows, [b.add(base, ir.Constant(I64, len(_ROW_FIELDS)))]))

    # ---- memory -------------------------------------------------------------
    def address(self, rs1: int, imm: int):
        b = self.b
        base = self.reg(rs1)
        addr = b.add(base, self.const(imm))
        return base, addr, self.to64(addr)

    def in_ram(self, off, size: int, lowest: int):
        """off (from ram_base) covers size bytes of RAM at or above `lowest`, clear of the guard page.

        Each range test is one unsigned compare: x in [lo, hi] <=> x - lo <= hi - lo.
        """
        b, lay = self.b, self.layout

        def within(lo: int, hi: int):
            if hi < lo:
                return ir.Constant(I1, 0)
            return b.icmp_unsigned("<=", b.sub(off, ir.Constant(I64, lo)), ir.Constant(I64, hi - lo))
        return b.or_(within(lowest, lay.guard_lo - size), within(lay.guard_hi, lay.ram_size - size))

    def count_misaligned(self, addr64, size: int):
        b = self.b
        odd = b.icmp_unsigned("!=", b.and_(addr64, ir.Constant(I64, size - 1)), ir.Constant(I64, 0))
        flag = b.zext(odd, I64)
        b.store(b.add(b.load(self.v_mis), flag), self.v_mis)
        return flag

    def lift_load(self, name: str, rd: int, rs1: int, imm: int, pc: int, k: int, row: dict) -> None:
        b = self.b
        size = access_size(name)
        sized = ir.IntType(8 * size)
        base, addr, a64 = self.address(rs1, imm)
        if self.mode == "full":
            pos = b.load(self.v_logpos)
            raw64 = b.load(b.gep(self.log, [pos]))
            b.store(b.add(pos, ir.Constant(I64, 1)), self.v_logpos)
            raw = b.trunc(raw64, sized) if size < 8 else raw64
        else:
            off = b.sub(a64, ir.Constant(I64, self.layout.ram_base))
            from_ram, not_ram = self.fn.append_basic_block(), self.fn.append_basic_block()
            from_input, slow = self.fn.append_basic_block(), self.fn.append_basic_block()
            join = self.fn.append_basic_block()
            b.cbranch(self.in_ram(off, size, 0), from_ram, not_ram)
            b.position_at_end(from_ram)
            v_ram = b.load(b.bitcast(b.gep(self.ram, [off]), sized.as_pointer()), align=1)
            b.branch(join)
            b.position_at_end(not_ram)
            in_off = b.sub(a64, ir.Constant(I64, self.layout.input_base))
            in_ok = b.icmp_unsigned("<=", in_off, b.sub(self.input_len, ir.Constant(I64, size)))
            b.cbranch(in_ok, from_input, slow)
            b.position_at_end(from_input)
            v_in = b.load(b.bitcast(b.gep(self.input, [in_off]), sized.as_pointer()), align=1)
            b.branch(join)
            b.position_at_end(slow)
            self.slow_exit(pc, k)
            b.position_at_end(join)
            raw = b.phi(sized)
            raw.add_incoming(v_ram, from_ram)
            raw.add_incoming(v_in, from_input)
            raw64 = b.zext(raw, I64) if size < 8 else raw
            if self.mode == "minimal":
                pos = b.load(self.v_logpos)
                b.store(raw64, b.gep(self.log, [pos]))
                b.store(b.add(pos, ir.Constant(I64, 1)), self.v_logpos)
        flag = self.count_misaligned(a64, size)
        signed = name in ("lb", "lh", "lw")
        if size * 8 == self.xlen:
            value = raw
        elif size * 8 > self.xlen:
            value = b.trunc(raw, self.T)
        else:
            value = b.sext(raw, self.T) if signed else b.zext(raw, self.T)
        self.set_reg(rd, value)
        row.update(a=self.to64(base), b=ir.Constant(I64, imm & self.mask),
                   c=self.to64(value) if rd else ir.Constant(I64, 0), addr=a64, mem=raw64, flags=flag)

    def lift_store(self, name: str, rs1: int, rs2: int, imm: int, pc: int, k: int, row: dict) -> None:
        b = self.b
        size = access_size(name)
        sized = ir.IntType(8 * size)
        base, addr, a64 = self.address(rs1, imm)
        value = self.reg(rs2)
        narrow = value if size * 8 == self.xlen else b.trunc(value, sized)
        if self.mode != "full":
            off = b.sub(a64, ir.Constant(I64, self.layout.ram_base))
            ok, slow = self.fn.append_basic_block(), self.fn.append_basic_block()
            b.cbranch(self.in_ram(off, size, self.layout.writable_lo), ok, slow)
            b.position_at_end(slow)
            self.slow_exit(pc, k)
            b.position_at_end(ok)
            b.store(narrow, b.bitcast(b.gep(self.ram, [off]), sized.as_pointer()), align=1)
        flag = self.count_misaligned(a64, size)
        stored = b.zext(narrow, I64) if size < 8 else narrow
        row.update(a=self.to64(base), b=self.to64(value), c=stored, addr=a64, flags=flag)

    # ---- arithmetic ---------------------------------------------------------
    def lift_alu(self, name: str, fmt: str, rd: int, rs1: int, rs2: int, imm: int, pc: int, row: dict) -> None:
        if name == "lui":
            value, a, bv = self.const(imm), self.const(0), self.const(imm)
        elif name == "auipc":
            value, a, bv = self.const(pc + imm), self.const(0), self.const(imm)
        else:
            a = self.reg(rs1)
            bv = self.reg(rs2) if fmt == "R" else self.const(imm)
            value = self.operation(IMMEDIATE_TO_REGISTER.get(name, name), a, bv)
        self.set_reg(rd, value)
        row.update(a=self.to64(a), b=self.to64(bv), c=self.to64(value) if rd else ir.Constant(I64, 0))

    def operation(self, name: str, a, c):
        if name in _WORD_OPS:
            b = self.b
            narrow = _arith(b, name[:-1], b.trunc(a, I32), b.trunc(c, I32), 32)
            return b.sext(narrow, I64)
        return _arith(self.b, name, a, c, self.xlen)


IMMEDIATE_TO_REGISTER = {"addi": "add", "slti": "slt", "sltiu": "sltu", "xori": "xor", "ori": "or",
                         "andi": "and", "slli": "sll", "srli": "srl", "srai": "sra", "addiw": "addw",
                         "slliw": "sllw", "srliw": "srlw", "sraiw": "sraw"}
_WORD_OPS = {"addw", "subw", "sllw", "srlw", "sraw", "mulw", "divw", "divuw", "remw", "remuw"}


def _arith(b: ir.IRBuilder, name: str, a, c, bits: int):
    """One RV operation on `bits`-wide values, with RISC-V's answers where LLVM's would be undefined."""
    T = ir.IntType(bits)
    zero, one, ones = ir.Constant(T, 0), ir.Constant(T, 1), ir.Constant(T, (1 << bits) - 1)
    int_min = ir.Constant(T, 1 << (bits - 1))
    shamt = lambda: b.and_(c, ir.Constant(T, bits - 1))  # noqa: E731
    wide = ir.IntType(2 * bits)

    def high(x, y):
        return b.trunc(b.lshr(b.mul(x, y), ir.Constant(wide, bits)), T)

    simple = {
        "add": lambda: b.add(a, c), "sub": lambda: b.sub(a, c), "xor": lambda: b.xor(a, c),
        "or": lambda: b.or_(a, c), "and": lambda: b.and_(a, c),
        "sll": lambda: b.shl(a, shamt()), "srl": lambda: b.lshr(a, shamt()), "sra": lambda: b.ashr(a, shamt()),
        "slt": lambda: b.zext(b.icmp_signed("<", a, c), T), "sltu": lambda: b.zext(b.icmp_unsigned("<", a, c), T),
        "mul": lambda: b.mul(a, c),
        "mulh": lambda: high(b.sext(a, wide), b.sext(c, wide)),
        "mulhsu": lambda: high(b.sext(a, wide), b.zext(c, wide)),
        "mulhu": lambda: high(b.zext(a, wide), b.zext(c, wide)),
    }
    if name in simple:
        return simple[name]()
    by_zero = b.icmp_unsigned("==", c, zero)
    overflow = b.and_(b.icmp_unsigned("==", a, int_min), b.icmp_unsigned("==", c, ones))
    if name in ("div", "rem"):
        safe = b.select(b.or_(by_zero, overflow), one, c)
        if name == "div":
            return b.select(by_zero, ones, b.select(overflow, int_min, b.sdiv(a, safe)))
        return b.select(by_zero, a, b.select(overflow, zero, b.srem(a, safe)))
    safe = b.select(by_zero, one, c)
    if name == "divu":
        return b.select(by_zero, ones, b.udiv(a, safe))
    if name == "remu":
        return b.select(by_zero, a, b.urem(a, safe))
    raise ValueError(f"no semantics for {name}")


def _tables():
    from runtime.encoding import TABLE
    return ({op.id: op.name for op in TABLE}, {op.id: op.format.name for op in TABLE})


_NAME_OF, _FORMAT_OF = _tables()


def lift_module(cm: CodeMap, regions: list[Region], mode: str, layout: Layout, name: str = "guest") -> ir.Module:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    module = ir.Module(name)
    for region in regions:
        _RegionLifter(module, cm, region, mode, layout).lift()
    return module


def dispatcher_module(triple: str) -> ir.Module:
    """`i32 dispatch(u64 *ctx)`: look the pc up in the table of region functions and call, until a status."""
    module = ir.Module("dispatch")
    module.triple = triple
    fn = ir.Function(module, ir.FunctionType(I32, [CTX_TYPE]), name="dispatch")
    ctx = fn.args[0]
    entry, loop, call, out = (fn.append_basic_block(n) for n in ("entry", "loop", "call", "out"))
    b = ir.IRBuilder(entry)
    slot = lambda i: b.gep(ctx, [ir.Constant(I64, i)])  # noqa: E731
    code_base, code_words = b.load(slot(SLOT_CODE_BASE)), b.load(slot(SLOT_CODE_WORDS))
    table = b.inttoptr(b.load(slot(SLOT_TABLE)), I64.as_pointer())
    b.branch(loop)
    b.position_at_end(loop)
    pc = b.load(slot(SLOT_PC))
    delta = b.sub(pc, code_base)
    index = b.lshr(delta, ir.Constant(I64, 2))
    aligned = b.icmp_unsigned("==", b.and_(delta, ir.Constant(I64, 3)), ir.Constant(I64, 0))
    inside = b.and_(aligned, b.icmp_unsigned("<", index, code_words))
    safe_index = b.select(inside, index, ir.Constant(I64, 0))
    address = b.load(b.gep(table, [safe_index]))
    found = b.and_(inside, b.icmp_unsigned("!=", address, ir.Constant(I64, 0)))
    b.cbranch(found, call, out)
    b.position_at_end(call)
    status = b.call(b.inttoptr(address, REGION_TYPE.as_pointer()), [ctx, pc])
    b.cbranch(b.icmp_unsigned("==", status, ir.Constant(I32, STATUS_CONTINUE)), loop, out)
    b.position_at_end(out)
    result = b.phi(I32)
    result.add_incoming(ir.Constant(I32, STATUS_MISS), loop)
    result.add_incoming(status, call)
    b.ret(result)
    return module
