"""ISA constants: register names and widths shared by every part of zkaot."""

ABI_NAMES = (
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
)
REGISTER_NUMBERS = {name: i for i, name in enumerate(ABI_NAMES)}
REGISTER_NUMBERS.update({f"x{i}": i for i in range(32)})
REGISTER_NUMBERS["fp"] = 8

XLENS = (32, 64)
INSTRUCTION_BYTES = 4

# ra and t0: the RISC-V return-address hints.  A jal/jalr that writes one is a call, a jalr through
# one that writes nothing a return (the translator's host calls and the profiler's stacks follow them).
LINK_REGISTERS = (REGISTER_NUMBERS["ra"], REGISTER_NUMBERS["t0"])
