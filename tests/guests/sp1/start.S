# _start as SP1's entrypoint writes it: sp from STACK_TOP (0x200400 on rv32, 0x78000000 on
# rv64: SP1 v6 and the rv64 Pico), then __start.
    .section .text._start, "ax"
    .globl _start
_start:
    la sp, STACK_TOP
#if __riscv_xlen == 64
    ld sp, 0(sp)
#else
    lw sp, 0(sp)
#endif
    call __start
1:  j 1b

    .section .rodata
#if __riscv_xlen == 64
    .align 3
STACK_TOP:
    .dword 0x78000000
#else
    .align 2
STACK_TOP:
    .word 0x00200400
#endif
