/*
 * zkfp: RISC-V F and D instructions in integer code (RV64IM).
 *
 * One F/D instruction (or one access to fflags, frm, fcsr) runs as a call to
 * zkfp_execute() on the state block below.  The block is the machine's whole
 * floating-point state plus the integer operand and result of the one
 * instruction; docs/float.md gives the calling convention around it.
 *
 * The offsets are fixed (runtime/softfp.py repeats them; a test compares).
 */
#ifndef ZKFP_H
#define ZKFP_H

/* Byte offsets in the block (every field is a little-endian u64). */
#define ZKFP_F       0    /* f0..f31: 64-bit registers, singles NaN-boxed */
#define ZKFP_FCSR    256  /* bits 0-4 fflags (NX UF OF DZ NV), 5-7 frm, the rest 0 */
#define ZKFP_INSN    264  /* the 32-bit instruction word (upper bits ignored) */
#define ZKFP_XIN     272  /* value of integer register rs1, when the instruction reads it */
#define ZKFP_XOUT    280  /* value for integer register rd, when the instruction writes it */
#define ZKFP_STATUS  288  /* ZKFP_OK or why the instruction is illegal */
#define ZKFP_RET     296  /* trampoline: where to return to */
#define ZKFP_SAVE    304  /* trampoline: 16 saved integer registers */
#define ZKFP_T6      432  /* the call site's t6, which it frees for the call */
#define ZKFP_SIZE    440

/* Status codes. On anything but ZKFP_OK nothing else in the block changed. */
#define ZKFP_OK          0
#define ZKFP_BAD_RM      1  /* reserved rounding mode (rm 5 or 6, or rm 7 with frm >= 5) */
#define ZKFP_BAD_INSN    2  /* not an RV64 F/D instruction or FP CSR access */

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef struct zkfp_block {
  uint64_t f[32];
  uint64_t fcsr;
  uint64_t insn;
  uint64_t xin;
  uint64_t xout;
  uint64_t status;
  uint64_t ret;
  uint64_t save[16];
  uint64_t t6;
} zkfp_block;

_Static_assert(__builtin_offsetof(zkfp_block, fcsr) == ZKFP_FCSR, "fcsr");
_Static_assert(__builtin_offsetof(zkfp_block, insn) == ZKFP_INSN, "insn");
_Static_assert(__builtin_offsetof(zkfp_block, xin) == ZKFP_XIN, "xin");
_Static_assert(__builtin_offsetof(zkfp_block, xout) == ZKFP_XOUT, "xout");
_Static_assert(__builtin_offsetof(zkfp_block, status) == ZKFP_STATUS, "status");
_Static_assert(__builtin_offsetof(zkfp_block, ret) == ZKFP_RET, "ret");
_Static_assert(__builtin_offsetof(zkfp_block, save) == ZKFP_SAVE, "save");
_Static_assert(__builtin_offsetof(zkfp_block, t6) == ZKFP_T6, "t6");
_Static_assert(sizeof(zkfp_block) == ZKFP_SIZE, "size");

/* Execute the instruction in b->insn on the state in b; set b->status. */
void zkfp_execute(zkfp_block *b);
#endif
#endif
