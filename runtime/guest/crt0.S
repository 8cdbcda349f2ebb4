/*
 * zkaot guest start-up code (RV32 and RV64).
 *
 * The loader builds the memory image from the PT_LOAD segments and zero-fills
 * every byte past p_filesz, so .sbss/.bss (which zkaot.ld places at the end
 * of the data segment) are already zero here: no clearing loop is needed.
 *
 * _start: set gp and sp, call `int main(void)`, exit with its return value
 * (the exit ecall, see runtime/calls.py). Nothing here depends on XLEN: lla,
 * li and call assemble for RV32 and RV64 alike.
 */
    .section .text.init, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    /* gp must be loaded without relaxation: a relaxed access to
       __global_pointer$ would be rewritten relative to gp itself. */
    .option push
    .option norelax
    lla     gp, __global_pointer$
    .option pop
    lla     sp, __stack_top
    /* A zero frame pointer ends frame-pointer stack walks. */
    li      s0, 0
    call    main
    /* a0 holds main's return value: exit with it. */
    li      a7, 93
    ecall
1:  j       1b
    .size _start, . - _start
