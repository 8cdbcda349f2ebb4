/* zkfp_execute: decode one F/D instruction or FP CSR access and run it on the
   state block (zkfp.h). Every field of the encoding is checked: a reserved
   one leaves the block untouched and reports why in status. */
#include "zkfp.h"
#include "fp_internal.h"

#define BOX 0xFFFFFFFF00000000ull
/* The decoding helpers fold into zkfp_execute, so that op_t lives in registers. */
#define INLINE static inline __attribute__((always_inline))

/* A single read from an f register: anything not NaN-boxed is the canonical NaN. */
INLINE u64 unbox(u64 r) { return (r & BOX) == BOX ? (u32)r : FMT_S.qnan; }

typedef struct {
  zkfp_block *b;
  const fp_format *f;  /* the instruction's format */
  int is_single;
  u32 insn;
  int rd, rs1, rs2, rs3, funct3;
  int rm;              /* the effective rounding mode */
} op_t;

INLINE u64 rd_f(const op_t *o, int r) { return o->is_single ? unbox(o->b->f[r]) : o->b->f[r]; }
INLINE void wr_f(op_t *o, u64 v) { o->b->f[o->rd] = o->is_single ? v | BOX : v; }

/* The static rounding mode, or frm for 7 (dyn); -1 if reserved. */
INLINE int rounding_mode(const zkfp_block *b, int rm) {
  if (rm == 7) rm = (int)((b->fcsr >> 5) & 7);
  return rm <= RM_RMM ? rm : -1;
}

INLINE int64_t imm_i(u32 insn) { return (int64_t)(int32_t)insn >> 20; }
INLINE int64_t imm_s(u32 insn) { return ((int64_t)(int32_t)insn >> 25) * 32 + ((insn >> 7) & 31); }

/* flw, fld, fsw, fsd: address = xin + offset. Misaligned addresses are legal on
   the machine (Zicclsm) and on the native test host. */
INLINE int load_store(op_t *o, int is_store) {
  u64 addr;
  if (o->funct3 != 2 && o->funct3 != 3) return ZKFP_BAD_INSN;
  addr = o->b->xin + (u64)(is_store ? imm_s(o->insn) : imm_i(o->insn));
  if (is_store) {
    if (o->funct3 == 2) *(volatile u32 *)(uintptr_t)addr = (u32)o->b->f[o->rs2];
    else *(volatile u64 *)(uintptr_t)addr = o->b->f[o->rs2];
  } else {
    if (o->funct3 == 2) o->b->f[o->rd] = *(volatile u32 *)(uintptr_t)addr | BOX;
    else o->b->f[o->rd] = *(volatile u64 *)(uintptr_t)addr;
  }
  return ZKFP_OK;
}

/* fmadd, fmsub, fnmsub, fnmadd (opcodes 0x43, 0x47, 0x4B, 0x4F). */
INLINE int fused(op_t *o, int opcode, u32 *flags) {
  int negate_c = opcode == 0x47 || opcode == 0x4F, negate_product = opcode >= 0x4B;
  wr_f(o, fp_fma(o->f, rd_f(o, o->rs1), rd_f(o, o->rs2), rd_f(o, o->rs3), negate_product, negate_c, o->rm, flags));
  return ZKFP_OK;
}

/* OP-FP (0x53) instructions that round: the rm field must be valid. */
INLINE int op_fp_rounding(op_t *o, int funct5, u32 *flags) {
  u64 a = rd_f(o, o->rs1), b = rd_f(o, o->rs2);
  switch (funct5) {
    case 0x00: wr_f(o, fp_add(o->f, a, b, 0, o->rm, flags)); return ZKFP_OK;
    case 0x01: wr_f(o, fp_add(o->f, a, b, 1, o->rm, flags)); return ZKFP_OK;
    case 0x02: wr_f(o, fp_mul(o->f, a, b, o->rm, flags)); return ZKFP_OK;
    case 0x03: wr_f(o, fp_div(o->f, a, b, o->rm, flags)); return ZKFP_OK;
    case 0x0B:
      if (o->rs2 != 0) return ZKFP_BAD_INSN;
      wr_f(o, fp_sqrt(o->f, a, o->rm, flags));
      return ZKFP_OK;
    case 0x08: {  /* fcvt.s.d (rs2 = 1), fcvt.d.s (rs2 = 0) */
      const fp_format *from = o->is_single ? &FMT_D : &FMT_S;
      u64 src = o->b->f[o->rs1];
      if (o->rs2 != (o->is_single ? 1 : 0)) return ZKFP_BAD_INSN;
      wr_f(o, fp_convert(o->f, from, o->is_single ? src : unbox(src), o->rm, flags));
      return ZKFP_OK;
    }
    case 0x18:  /* fcvt.{w,wu,l,lu}.fmt */
      if (o->rs2 > 3) return ZKFP_BAD_INSN;
      o->b->xout = fp_to_int(o->f, a, !(o->rs2 & 1), o->rs2 & 2 ? 64 : 32, o->rm, flags);
      return ZKFP_OK;
    case 0x1A:  /* fcvt.fmt.{w,wu,l,lu} */
      if (o->rs2 > 3) return ZKFP_BAD_INSN;
      wr_f(o, fp_from_int(o->f, o->b->xin, !(o->rs2 & 1), o->rs2 & 2 ? 64 : 32, o->rm, flags));
      return ZKFP_OK;
    default: return ZKFP_BAD_INSN;
  }
}

/* OP-FP instructions whose funct3 selects the operation. */
INLINE int op_fp_other(op_t *o, int funct5, u32 *flags) {
  u64 a = rd_f(o, o->rs1), b = rd_f(o, o->rs2);
  switch (funct5) {
    case 0x04:  /* fsgnj, fsgnjn, fsgnjx */
      if (o->funct3 > 2) return ZKFP_BAD_INSN;
      wr_f(o, fp_sign_inject(o->f, a, b, o->funct3));
      return ZKFP_OK;
    case 0x05:  /* fmin, fmax */
      if (o->funct3 > 1) return ZKFP_BAD_INSN;
      wr_f(o, fp_min_max(o->f, a, b, o->funct3, flags));
      return ZKFP_OK;
    case 0x14:  /* fle, flt, feq */
      if (o->funct3 > 2) return ZKFP_BAD_INSN;
      o->b->xout = o->funct3 == 2 ? fp_eq(o->f, a, b, flags)
                 : o->funct3 == 1 ? fp_lt(o->f, a, b, flags) : fp_le(o->f, a, b, flags);
      return ZKFP_OK;
    case 0x1C:  /* fmv.x.w / fmv.x.d (raw bits, no unboxing), fclass */
      if (o->rs2 != 0 || o->funct3 > 1) return ZKFP_BAD_INSN;
      if (o->funct3 == 1) o->b->xout = fp_classify(o->f, a);
      else if (o->is_single) o->b->xout = (u64)(i64)(int32_t)(u32)o->b->f[o->rs1];
      else o->b->xout = o->b->f[o->rs1];
      return ZKFP_OK;
    case 0x1E:  /* fmv.w.x / fmv.d.x */
      if (o->rs2 != 0 || o->funct3 != 0) return ZKFP_BAD_INSN;
      wr_f(o, o->is_single ? (u32)o->b->xin : o->b->xin);
      return ZKFP_OK;
    default: return ZKFP_BAD_INSN;
  }
}

INLINE int rounds(int funct5) {
  return funct5 <= 0x03 || funct5 == 0x0B || funct5 == 0x08 || funct5 == 0x18 || funct5 == 0x1A;
}

/* csrrw/s/c[i] on fflags (1), frm (2), fcsr (3): rd gets the old value. */
INLINE int csr_access(op_t *o) {
  u32 csr = o->insn >> 20;
  u64 mask = csr == 1 ? 0x1F : csr == 2 ? 0x7 : 0xFF;
  int shift = csr == 2 ? 5 : 0;
  u64 old, src, val;
  if (csr < 1 || csr > 3 || (o->funct3 & 3) == 0) return ZKFP_BAD_INSN;
  old = (o->b->fcsr >> shift) & mask;
  src = o->funct3 & 4 ? (u64)o->rs1 : o->b->xin;  /* csrr*i: the rs1 field is the value */
  switch (o->funct3 & 3) {
    case 1: val = src; break;
    case 2: val = old | src; break;
    default: val = old & ~src; break;
  }
  o->b->fcsr = (o->b->fcsr & ~(mask << shift)) | ((val & mask) << shift);
  o->b->xout = old;
  return ZKFP_OK;
}

/* flags: the exception flags raised; separate from o, so that o can live in registers */
INLINE int dispatch(op_t *o, u32 *flags) {
  int opcode = (int)(o->insn & 0x7F), funct5 = (int)(o->insn >> 27), fmt = (int)((o->insn >> 25) & 3);
  if (opcode == 0x73) return csr_access(o);
  if (opcode == 0x07 || opcode == 0x27) return load_store(o, opcode == 0x27);
  if (fmt > 1 || (opcode != 0x53 && opcode != 0x43 && opcode != 0x47 && opcode != 0x4B && opcode != 0x4F))
    return ZKFP_BAD_INSN;
  o->is_single = fmt == 0;
  o->f = o->is_single ? &FMT_S : &FMT_D;
  if (opcode != 0x53 || rounds(funct5)) {
    o->rm = rounding_mode(o->b, o->funct3);
    if (o->rm < 0) return ZKFP_BAD_RM;
  }
  if (opcode != 0x53) return fused(o, opcode, flags);
  return rounds(funct5) ? op_fp_rounding(o, funct5, flags) : op_fp_other(o, funct5, flags);
}

void zkfp_execute(zkfp_block *b) {
  op_t o;
  u32 flags = 0;
  int status;
  o.b = b;
  o.insn = (u32)b->insn;
  o.rd = (int)((o.insn >> 7) & 31);
  o.funct3 = (int)((o.insn >> 12) & 7);
  o.rs1 = (int)((o.insn >> 15) & 31);
  o.rs2 = (int)((o.insn >> 20) & 31);
  o.rs3 = (int)(o.insn >> 27);
  o.rm = 0;
  /* dispatch validates every field before it writes anything */
  status = dispatch(&o, &flags);
  if (status == ZKFP_OK) b->fcsr |= flags;  /* fflags accrue */
  b->status = (u64)status;
}
