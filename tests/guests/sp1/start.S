# _start as SP1's entrypoint writes it: sp from the word STACK_TOP (0x200400), then __start.
    .section .text._start, "ax"
    .globl _start
_start:
    la sp, STACK_TOP
    lw sp, 0(sp)
    call __start
1:  j 1b

    .section .rodata
    .align 2
STACK_TOP:
    .word 0x00200400
