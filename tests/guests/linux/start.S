# The Linux entry: sp points at argc, then argv, NULL, envp, NULL, auxv (the kernel's layout).
# It hands sp to __libc_start_main, as a libc's _start does.
    .section .text._start
    .globl _start
_start:
    mv a0, sp
    andi sp, sp, -16
    call __libc_start_main
1:  j 1b

# long spawn_thread(int (*fn)(void *), void *arg, void *stack_top, unsigned long flags,
#                   int *parent_tid, void *tls, int *child_tid): clone(2) for a thread that runs
# fn(arg) on the new stack and then exits with its result.  fn and arg travel on that stack:
# the child has the parent's registers, but its sp is the stack argument.
    .text
    .globl spawn_thread
spawn_thread:
    addi a2, a2, -16
    sd a0, 0(a2)
    sd a1, 8(a2)
    mv a0, a3
    mv a1, a2
    mv a2, a4
    mv a3, a5
    mv a4, a6
    li a7, 220
    ecall
    bnez a0, 1f
    ld t0, 0(sp)
    ld a0, 8(sp)
    jalr t0
    li a7, 93
    ecall
1:  ret
