# _start as risc0-zkvm-platform's entrypoint writes it (rust_rt.rs): gp from the linker, sp from
# STACK_TOP = 0x200400 (memory.rs), then __start, which never returns (it ends with HALT).
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
