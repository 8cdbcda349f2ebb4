# _start as OpenVM's Rust runtime writes it: gp from the linker, sp from STACK_TOP = 0x200400
# (crates/toolchain/platform/src/memory.rs), then __start, which ends with TERMINATE.
    .section .text._start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    li sp, 0x00200400
    call __start
1:  j 1b
