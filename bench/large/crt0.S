/*
 * Start-up code of the large benchmark guests: runtime/guest/crt0.S plus the
 * thread pointer.  picolibc keeps errno and a few other variables in TLS
 * (local-exec: tp-relative), so tp must point at the TLS block that the
 * linker script (zkaot.ld with a PT_TLS segment added, bench/large_programs.py)
 * places in the data segment.  One thread, so the block is used in place.
 */
    .section .text.init, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    lla     gp, __global_pointer$
    .option pop
    lla     sp, __stack_top
    lla     tp, __tls_base
    li      s0, 0
    li      a0, 0           /* argc: main reads its input from the input region */
    li      a1, 0
    call    main
    call    exit            /* picolibc's exit: atexit handlers, then _exit (bench_libc.c) */
1:  j       1b
    .size _start, . - _start
