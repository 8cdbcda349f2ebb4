/*
 * zkfp_entry: the trampoline a lowered F/D instruction jumps to (docs/float.md).
 *
 * On entry the site has stored the instruction word in the block's insn (and
 * rs1's value in xin), saved its own t6 in the block's t6 and jumped here
 * with `jalr t6, ...`, so t6 holds the return address.  Every other register holds
 * the guest's value and is given back unchanged: the C code may clobber the
 * caller-saved registers, which are kept in the block's save area, and it
 * runs on its own stack just below the block, never on the guest's.
 * Every block field is addressed as off(zero): the block is the top 2 KiB
 * of the address space.
 */
#include "zkfp.h"
#define B(field) ZKFP_X0_OFF(field)

    .section .text.zkfp_entry, "ax", @progbits
    .globl zkfp_entry
    .type zkfp_entry, @function
zkfp_entry:
    sd      t6, B(ZKFP_RET)(zero)
    sd      ra, B(ZKFP_SAVE + 0)(zero)
    sd      sp, B(ZKFP_SAVE + 8)(zero)
    sd      t0, B(ZKFP_SAVE + 16)(zero)
    sd      t1, B(ZKFP_SAVE + 24)(zero)
    sd      t2, B(ZKFP_SAVE + 32)(zero)
    sd      t3, B(ZKFP_SAVE + 40)(zero)
    sd      t4, B(ZKFP_SAVE + 48)(zero)
    sd      t5, B(ZKFP_SAVE + 56)(zero)
    sd      a0, B(ZKFP_SAVE + 64)(zero)
    sd      a1, B(ZKFP_SAVE + 72)(zero)
    sd      a2, B(ZKFP_SAVE + 80)(zero)
    sd      a3, B(ZKFP_SAVE + 88)(zero)
    sd      a4, B(ZKFP_SAVE + 96)(zero)
    sd      a5, B(ZKFP_SAVE + 104)(zero)
    sd      a6, B(ZKFP_SAVE + 112)(zero)
    sd      a7, B(ZKFP_SAVE + 120)(zero)
    addi    sp, zero, -2048          /* the library's stack ends where the block begins */
    addi    a0, zero, -2048          /* the block */
    call    zkfp_execute
    ld      t0, B(ZKFP_STATUS)(zero)
    bnez    t0, zkfp_illegal
    ld      ra, B(ZKFP_SAVE + 0)(zero)
    ld      sp, B(ZKFP_SAVE + 8)(zero)
    ld      t0, B(ZKFP_SAVE + 16)(zero)
    ld      t1, B(ZKFP_SAVE + 24)(zero)
    ld      t2, B(ZKFP_SAVE + 32)(zero)
    ld      t3, B(ZKFP_SAVE + 40)(zero)
    ld      t4, B(ZKFP_SAVE + 48)(zero)
    ld      t5, B(ZKFP_SAVE + 56)(zero)
    ld      a0, B(ZKFP_SAVE + 64)(zero)
    ld      a1, B(ZKFP_SAVE + 72)(zero)
    ld      a2, B(ZKFP_SAVE + 80)(zero)
    ld      a3, B(ZKFP_SAVE + 88)(zero)
    ld      a4, B(ZKFP_SAVE + 96)(zero)
    ld      a5, B(ZKFP_SAVE + 104)(zero)
    ld      a6, B(ZKFP_SAVE + 112)(zero)
    ld      a7, B(ZKFP_SAVE + 120)(zero)
    ld      t6, B(ZKFP_RET)(zero)
    jr      t6                       /* the site reloads its t6 */
    .size zkfp_entry, . - zkfp_entry

/* Reached when status says the instruction is illegal: the all-zero word is
   an illegal instruction, so the engine stops here and can name the guest's
   instruction (insn) and its address (ret) from the block. */
    .globl zkfp_illegal
    .type zkfp_illegal, @function
zkfp_illegal:
    .4byte  0
    .size zkfp_illegal, . - zkfp_illegal
