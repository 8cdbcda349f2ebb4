# The Linux entry: sp points at argc, then argv, NULL, envp, NULL, auxv (the kernel's layout).
# It hands sp to __libc_start_main, as a libc's _start does.
    .section .text._start
    .globl _start
_start:
    mv a0, sp
    andi sp, sp, -16
    call __libc_start_main
1:  j 1b
