/* dispatch: the control flow of real programs, which the other examples lack.
 * A bytecode loop (a dense switch: a jump table), calls through a table of
 * function pointers, and a deep recursion.
 * Input (all LE): u32 fib_n, u32 rounds, u32 len, then len bytes of bytecode.
 * Output: u32 fib(fib_n), u32 the accumulator after `rounds` passes over the
 * bytecode, starting from fib(fib_n). */
#include "zkaot.h"

static uint32_t load_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

__attribute__((noinline)) static uint32_t fib(uint32_t n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

typedef uint32_t (*binary_op)(uint32_t, uint32_t);
__attribute__((noinline)) static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
__attribute__((noinline)) static uint32_t op_mul(uint32_t a, uint32_t b) { return a * b + 1; }
__attribute__((noinline)) static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ (b << 1); }
static binary_op const ops[3] = {op_add, op_mul, op_xor};

__attribute__((noinline)) static uint32_t run(const uint8_t *code, uint32_t n, uint32_t acc) {
  for (uint32_t i = 0; i < n; i++) {
    switch (code[i] & 7) {
    case 0: acc += 3; break;
    case 1: acc ^= acc >> 3; break;
    case 2: acc *= 5; break;
    case 3: acc -= i; break;
    case 4: acc = ops[i % 3](acc, i); break;
    case 5: acc = (acc << 1) | (acc >> 31); break;
    case 6: acc += code[(i * 7) % n]; break;
    default: acc ^= 0x9e3779b9u; break;
    }
  }
  return acc;
}

int main(void) {
  const uint8_t *in;
  size_t len;
  read_input(&in, &len);
  if (len < 12 || len - 12 < load_u32(in + 8) || load_u32(in + 8) == 0)
    zkaot_exit(1);
  uint32_t out[2];
  out[0] = fib(load_u32(in));
  uint32_t acc = out[0], rounds = load_u32(in + 4), n = load_u32(in + 8);
  for (uint32_t r = 0; r < rounds; r++)
    acc = run(in + 12, n, acc);
  out[1] = acc;
  write_output((const uint8_t *)out, sizeof out);
  return 0;
}
