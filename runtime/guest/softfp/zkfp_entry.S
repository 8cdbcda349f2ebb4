/*
 * zkfp_entry: the trampoline a lowered F/D instruction jumps to (docs/float.md).
 *
 * The engine's site step (one step for the F/D word at pc P) has stored the
 * instruction word in the block's insn, rs1's value in xin, its t6 in t6 and
 * P + 4 in ret, and set t6 to the block's address.  Every other register holds
 * the guest's value and is given back unchanged: the C code may clobber the
 * caller-saved registers, which are kept in the block's save area, and it runs
 * on its own stack just below the block, never on the guest's.  sp is
 * callee-saved, so after the call it still points at the block.
 *
 * The trampoline ends in zkfp.ret, an instruction only this image holds and
 * only the engines execute (runtime/encoding.py): it checks status (an
 * illegal instruction is reported at P), restores t6, writes xout to the
 * instruction's integer rd, if it has one, and continues at ret.
 */
#include "zkfp.h"

    .section .text.zkfp_entry, "ax", @progbits
    .globl zkfp_entry
    .type zkfp_entry, @function
zkfp_entry:
    sd      ra, ZKFP_SAVE + 0(t6)
    sd      sp, ZKFP_SAVE + 8(t6)
    sd      t0, ZKFP_SAVE + 16(t6)
    sd      t1, ZKFP_SAVE + 24(t6)
    sd      t2, ZKFP_SAVE + 32(t6)
    sd      t3, ZKFP_SAVE + 40(t6)
    sd      t4, ZKFP_SAVE + 48(t6)
    sd      t5, ZKFP_SAVE + 56(t6)
    sd      a0, ZKFP_SAVE + 64(t6)
    sd      a1, ZKFP_SAVE + 72(t6)
    sd      a2, ZKFP_SAVE + 80(t6)
    sd      a3, ZKFP_SAVE + 88(t6)
    sd      a4, ZKFP_SAVE + 96(t6)
    sd      a5, ZKFP_SAVE + 104(t6)
    sd      a6, ZKFP_SAVE + 112(t6)
    sd      a7, ZKFP_SAVE + 120(t6)
    mv      sp, t6                   /* the library's stack ends where the block begins */
    mv      a0, t6                   /* the block */
    jal     zkfp_execute             /* one step: the image is small */
    ld      ra, ZKFP_SAVE + 0(sp)
    ld      t0, ZKFP_SAVE + 16(sp)
    ld      t1, ZKFP_SAVE + 24(sp)
    ld      t2, ZKFP_SAVE + 32(sp)
    ld      t3, ZKFP_SAVE + 40(sp)
    ld      t4, ZKFP_SAVE + 48(sp)
    ld      t5, ZKFP_SAVE + 56(sp)
    ld      a0, ZKFP_SAVE + 64(sp)
    ld      a1, ZKFP_SAVE + 72(sp)
    ld      a2, ZKFP_SAVE + 80(sp)
    ld      a3, ZKFP_SAVE + 88(sp)
    ld      a4, ZKFP_SAVE + 96(sp)
    ld      a5, ZKFP_SAVE + 104(sp)
    ld      a6, ZKFP_SAVE + 112(sp)
    ld      a7, ZKFP_SAVE + 120(sp)
    ld      sp, ZKFP_SAVE + 8(sp)
    .globl zkfp_ret
zkfp_ret:
    .4byte  0x0000002b               /* zkfp.ret (custom-1): back to the guest */
    .size zkfp_entry, . - zkfp_entry
