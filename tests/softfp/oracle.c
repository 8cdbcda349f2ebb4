/* The reference for the zkfp tests: each RISC-V F/D operation computed with
   Berkeley SoftFloat 3 (RISCV specialisation), as built into softfloatpy.
   SoftFloat's symbols are resolved when this library is loaded into a Python
   process that has loaded softfloatpy globally (tests/softfp_native.py).
   What SoftFloat has no function for (fmin/fmax, fclass, sign injection,
   NaN boxing, the 32-bit results' sign extension) is written out here from
   the RISC-V spec, independently of runtime/guest/softfp. */
#include <stdint.h>

typedef struct { uint32_t v; } float32_t;
typedef struct { uint64_t v; } float64_t;
extern uint8_t softfloat_roundingMode, softfloat_exceptionFlags, softfloat_detectTininess;
float32_t f32_add(float32_t, float32_t);
float32_t f32_sub(float32_t, float32_t);
float32_t f32_mul(float32_t, float32_t);
float32_t f32_div(float32_t, float32_t);
float32_t f32_sqrt(float32_t);
float32_t f32_mulAdd(float32_t, float32_t, float32_t);
float64_t f64_add(float64_t, float64_t);
float64_t f64_sub(float64_t, float64_t);
float64_t f64_mul(float64_t, float64_t);
float64_t f64_div(float64_t, float64_t);
float64_t f64_sqrt(float64_t);
float64_t f64_mulAdd(float64_t, float64_t, float64_t);
int32_t f32_to_i32(float32_t, uint8_t, _Bool);
uint32_t f32_to_ui32(float32_t, uint8_t, _Bool);
int64_t f32_to_i64(float32_t, uint8_t, _Bool);
uint64_t f32_to_ui64(float32_t, uint8_t, _Bool);
int32_t f64_to_i32(float64_t, uint8_t, _Bool);
uint32_t f64_to_ui32(float64_t, uint8_t, _Bool);
int64_t f64_to_i64(float64_t, uint8_t, _Bool);
uint64_t f64_to_ui64(float64_t, uint8_t, _Bool);
float32_t i32_to_f32(int32_t);
float32_t ui32_to_f32(uint32_t);
float32_t i64_to_f32(int64_t);
float32_t ui64_to_f32(uint64_t);
float64_t i32_to_f64(int32_t);
float64_t ui32_to_f64(uint32_t);
float64_t i64_to_f64(int64_t);
float64_t ui64_to_f64(uint64_t);
float64_t f32_to_f64(float32_t);
float32_t f64_to_f32(float64_t);
_Bool f32_eq(float32_t, float32_t);
_Bool f32_lt(float32_t, float32_t);
_Bool f32_le(float32_t, float32_t);
_Bool f32_lt_quiet(float32_t, float32_t);
_Bool f32_isSignalingNaN(float32_t);
_Bool f64_eq(float64_t, float64_t);
_Bool f64_lt(float64_t, float64_t);
_Bool f64_le(float64_t, float64_t);
_Bool f64_lt_quiet(float64_t, float64_t);
_Bool f64_isSignalingNaN(float64_t);

/* The operations, in the order of OPS in tests/softfp_native.py. */
#define OPS(X) \
  X(FADD_S) X(FSUB_S) X(FMUL_S) X(FDIV_S) X(FSQRT_S) X(FMADD_S) X(FMSUB_S) X(FNMSUB_S) X(FNMADD_S) \
  X(FADD_D) X(FSUB_D) X(FMUL_D) X(FDIV_D) X(FSQRT_D) X(FMADD_D) X(FMSUB_D) X(FNMSUB_D) X(FNMADD_D) \
  X(FCVT_W_S) X(FCVT_WU_S) X(FCVT_L_S) X(FCVT_LU_S) X(FCVT_W_D) X(FCVT_WU_D) X(FCVT_L_D) X(FCVT_LU_D) \
  X(FCVT_S_W) X(FCVT_S_WU) X(FCVT_S_L) X(FCVT_S_LU) X(FCVT_D_W) X(FCVT_D_WU) X(FCVT_D_L) X(FCVT_D_LU) \
  X(FCVT_S_D) X(FCVT_D_S) \
  X(FMIN_S) X(FMAX_S) X(FMIN_D) X(FMAX_D) X(FEQ_S) X(FLT_S) X(FLE_S) X(FEQ_D) X(FLT_D) X(FLE_D) \
  X(FCLASS_S) X(FCLASS_D) X(FSGNJ_S) X(FSGNJN_S) X(FSGNJX_S) X(FSGNJ_D) X(FSGNJN_D) X(FSGNJX_D) \
  X(FMV_X_W) X(FMV_W_X) X(FMV_X_D) X(FMV_D_X)
#define ENUM(n) n,
#define NAME(n) #n,
enum { OPS(ENUM) N_OPS };
static const char *const names[] = {OPS(NAME)};

int oracle_op_count(void) { return N_OPS; }
const char *oracle_op_name(int i) { return names[i]; }

#define BOX 0xFFFFFFFF00000000ull
#define QNAN_S 0x7FC00000u

static float32_t s(uint64_t reg) {  /* an f register read as a single */
  float32_t r = {(reg >> 32) == 0xFFFFFFFFu ? (uint32_t)reg : QNAN_S};
  return r;
}
static float64_t d(uint64_t reg) { float64_t r = {reg}; return r; }
static uint64_t box(float32_t v) { return BOX | v.v; }
static uint64_t sext32(uint32_t v) { return (uint64_t)(int64_t)(int32_t)v; }

static int is_nan32(uint32_t v) { return (v & 0x7F800000u) == 0x7F800000u && (v & 0x7FFFFFu); }
static int is_nan64(uint64_t v) { return (v & 0x7FF0000000000000ull) == 0x7FF0000000000000ull && (v << 12); }

/* minimumNumber/maximumNumber, with -0 < +0. */
static uint32_t minmax32(uint32_t a, uint32_t b, int want_max) {
  float32_t x = {a}, y = {b};
  int a_first;
  if (f32_isSignalingNaN(x) || f32_isSignalingNaN(y)) softfloat_exceptionFlags |= 16;
  if (is_nan32(a) && is_nan32(b)) return QNAN_S;
  if (is_nan32(a)) return b;
  if (is_nan32(b)) return a;
  if (((a | b) & 0x7FFFFFFFu) == 0) a_first = want_max ? !(a >> 31) : (a >> 31);
  else a_first = want_max ? f32_lt_quiet(y, x) : f32_lt_quiet(x, y);
  return a_first ? a : b;
}

static uint64_t minmax64(uint64_t a, uint64_t b, int want_max) {
  float64_t x = {a}, y = {b};
  int a_first;
  if (f64_isSignalingNaN(x) || f64_isSignalingNaN(y)) softfloat_exceptionFlags |= 16;
  if (is_nan64(a) && is_nan64(b)) return 0x7FF8000000000000ull;
  if (is_nan64(a)) return b;
  if (is_nan64(b)) return a;
  if (((a | b) << 1) == 0) a_first = want_max ? !(a >> 63) : (a >> 63);
  else a_first = want_max ? f64_lt_quiet(y, x) : f64_lt_quiet(x, y);
  return a_first ? a : b;
}

/* fclass from the bit pattern: exponent, fraction, sign. */
static uint64_t classify(uint64_t v, int ebits, int fbits) {
  uint64_t e = (v >> fbits) & ((1ull << ebits) - 1), f = v & ((1ull << fbits) - 1);
  int neg = (int)((v >> (ebits + fbits)) & 1);
  if (e == (1ull << ebits) - 1) {
    if (f == 0) return neg ? 1 : 1 << 7;
    return f >> (fbits - 1) ? 1 << 9 : 1 << 8;
  }
  if (e == 0) return f == 0 ? (neg ? 1 << 3 : 1 << 4) : (neg ? 1 << 2 : 1 << 5);
  return neg ? 1 << 1 : 1 << 6;
}

static uint64_t sgnj(uint64_t a, uint64_t b, int kind, uint64_t sign) {
  uint64_t sb = kind == 0 ? b : kind == 1 ? ~b : a ^ b;
  return (a & ~sign) | (sb & sign);
}

/* One operation: *flags gets the exception flags, the result is the value of
   the destination register (f or x, as the instruction writes it). */
static uint64_t one(int op, int rm, uint64_t a, uint64_t b, uint64_t c, uint64_t x) {
  float32_t t32;
  switch (op) {
    case FADD_S: return box(f32_add(s(a), s(b)));
    case FSUB_S: return box(f32_sub(s(a), s(b)));
    case FMUL_S: return box(f32_mul(s(a), s(b)));
    case FDIV_S: return box(f32_div(s(a), s(b)));
    case FSQRT_S: return box(f32_sqrt(s(a)));
    case FMADD_S: return box(f32_mulAdd(s(a), s(b), s(c)));
    case FMSUB_S: t32 = s(c); t32.v ^= 0x80000000u; return box(f32_mulAdd(s(a), s(b), t32));
    case FNMSUB_S: t32 = s(a); t32.v ^= 0x80000000u; return box(f32_mulAdd(t32, s(b), s(c)));
    case FNMADD_S: {
      float32_t na = s(a), nc = s(c);
      na.v ^= 0x80000000u;
      nc.v ^= 0x80000000u;
      return box(f32_mulAdd(na, s(b), nc));
    }
    case FADD_D: return f64_add(d(a), d(b)).v;
    case FSUB_D: return f64_sub(d(a), d(b)).v;
    case FMUL_D: return f64_mul(d(a), d(b)).v;
    case FDIV_D: return f64_div(d(a), d(b)).v;
    case FSQRT_D: return f64_sqrt(d(a)).v;
    case FMADD_D: return f64_mulAdd(d(a), d(b), d(c)).v;
    case FMSUB_D: return f64_mulAdd(d(a), d(b), d(c ^ (1ull << 63))).v;
    case FNMSUB_D: return f64_mulAdd(d(a ^ (1ull << 63)), d(b), d(c)).v;
    case FNMADD_D: return f64_mulAdd(d(a ^ (1ull << 63)), d(b), d(c ^ (1ull << 63))).v;
    case FCVT_W_S: return sext32((uint32_t)f32_to_i32(s(a), rm, 1));
    case FCVT_WU_S: return sext32(f32_to_ui32(s(a), rm, 1));
    case FCVT_L_S: return (uint64_t)f32_to_i64(s(a), rm, 1);
    case FCVT_LU_S: return f32_to_ui64(s(a), rm, 1);
    case FCVT_W_D: return sext32((uint32_t)f64_to_i32(d(a), rm, 1));
    case FCVT_WU_D: return sext32(f64_to_ui32(d(a), rm, 1));
    case FCVT_L_D: return (uint64_t)f64_to_i64(d(a), rm, 1);
    case FCVT_LU_D: return f64_to_ui64(d(a), rm, 1);
    case FCVT_S_W: return box(i32_to_f32((int32_t)x));
    case FCVT_S_WU: return box(ui32_to_f32((uint32_t)x));
    case FCVT_S_L: return box(i64_to_f32((int64_t)x));
    case FCVT_S_LU: return box(ui64_to_f32(x));
    case FCVT_D_W: return i32_to_f64((int32_t)x).v;
    case FCVT_D_WU: return ui32_to_f64((uint32_t)x).v;
    case FCVT_D_L: return i64_to_f64((int64_t)x).v;
    case FCVT_D_LU: return ui64_to_f64(x).v;
    case FCVT_S_D: return box(f64_to_f32(d(a)));
    case FCVT_D_S: return f32_to_f64(s(a)).v;
    case FMIN_S: return BOX | minmax32(s(a).v, s(b).v, 0);
    case FMAX_S: return BOX | minmax32(s(a).v, s(b).v, 1);
    case FMIN_D: return minmax64(a, b, 0);
    case FMAX_D: return minmax64(a, b, 1);
    case FEQ_S: return f32_eq(s(a), s(b));
    case FLT_S: return f32_lt(s(a), s(b));
    case FLE_S: return f32_le(s(a), s(b));
    case FEQ_D: return f64_eq(d(a), d(b));
    case FLT_D: return f64_lt(d(a), d(b));
    case FLE_D: return f64_le(d(a), d(b));
    case FCLASS_S: return classify(s(a).v, 8, 23);
    case FCLASS_D: return classify(a, 11, 52);
    case FSGNJ_S: case FSGNJN_S: case FSGNJX_S:
      return BOX | sgnj(s(a).v, s(b).v, op - FSGNJ_S, 0x80000000u);
    case FSGNJ_D: case FSGNJN_D: case FSGNJX_D:
      return sgnj(a, b, op - FSGNJ_D, 1ull << 63);
    case FMV_X_W: return sext32((uint32_t)a);  /* raw low bits: no unboxing */
    case FMV_W_X: return BOX | (uint32_t)x;
    case FMV_X_D: return a;
    case FMV_D_X: return x;
    default: return 0;
  }
}

/* n cases of one operation under rounding mode rm (0..4). */
void oracle_batch(int op, int rm, long n, const uint64_t *a, const uint64_t *b, const uint64_t *c,
                  const uint64_t *x, uint64_t *out, uint8_t *flags) {
  long i;
  softfloat_detectTininess = 1;  /* after rounding, as RISC-V */
  for (i = 0; i < n; i++) {
    softfloat_roundingMode = (uint8_t)rm;
    softfloat_exceptionFlags = 0;
    out[i] = one(op, rm, a[i], b[i], c[i], x[i]);
    flags[i] = softfloat_exceptionFlags;
  }
}
