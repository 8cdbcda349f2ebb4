# _start as ceno_rt's entrypoint writes it (src/lib.rs): gp and sp (sp and fp at _stack_start, the
# top of the stack), call main, then HALT (t0 = 0) with exit code 0 if main returns.
    .section .init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, _stack_start
    mv fp, sp
    call main
    li t0, 0
    li a0, 0
    ecall
