# _start as riscv_common's start.s: sp to the top of the stack region (RAM from 4 MiB, a 32 MiB
# stack), then main, which returns the address of the 8 result words; they go to x10..x17 as
# zksync_os_finish_success loads them, and the run ends at the jump to itself.
    .section .text.init, "ax"
    .globl _start
_start:
    la sp, _sstack
    call main
    mv t0, a0
    lw a0, 0(t0)
    lw a1, 4(t0)
    lw a2, 8(t0)
    lw a3, 12(t0)
    lw a4, 16(t0)
    lw a5, 20(t0)
    lw a6, 24(t0)
    lw a7, 28(t0)
1:  j 1b
