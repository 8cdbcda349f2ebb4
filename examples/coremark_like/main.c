/* coremark_like: a CoreMark-class workload (written from scratch, not
 * CoreMark's code) with the same four kinds of kernel:
 *
 *   list    a singly linked list of NNODES nodes in a static pool: find with
 *           move-to-front, reverse, recursive merge sort by value, rewrite the
 *           values, merge sort back by index
 *   matrix  int16 matrices (kept as uint16 bit patterns): add a constant,
 *           matrix x vector, matrix x matrix, matrix x matrix with bit-field
 *           extraction of each product, all with 32-bit wrap-around
 *   state   a state machine classifying comma-separated tokens of a text
 *           (integers, decimals, scientific notation, malformed tokens),
 *           counting transitions and final states, on a text mutated in a
 *           few places each iteration
 *   crc     CRC-16/ARC (reflected polynomial 0xA001, initial value 0) folding
 *           every kernel's results
 *
 * Input: u32 seed, u32 iterations (LE). Output (LE):
 *   u32 seed, u32 iterations,
 *   u16 crc_list, u16 crc_matrix, u16 crc_state, u16 crc_final,
 *   u32 list_found, u32 list_steps,
 *   u32 final_states[9] (tokens that ended in each state, summed over all
 *   iterations).
 * examples/make_expected.py recomputes all of it in Python.
 *
 * All arithmetic is on unsigned types: no signed overflow, no shifts of
 * negative values, so a host build gives the same bytes. Every table is
 * rebuilt from the seed at the start of main (the native harness calls main
 * repeatedly).                                                              */
#include "zkaot.h"

#define NNODES 64
#define MAT_N 10
#define TEXT_CAP 768
#define MUTATIONS 8
#define TOKEN_MAX 24

/* ---- pseudorandom numbers and CRC ------------------------------------- */

static uint32_t rng_state;

static uint32_t rng_next(void) {
  rng_state = rng_state * 1664525u + 1013904223u;
  return rng_state;
}

/* 0 .. n-1, from the high half of the LCG state */
static uint32_t rng_below(uint32_t n) { return (rng_next() >> 16) % n; }

static uint16_t crc16_byte(uint16_t crc, uint8_t b) {
  crc ^= b;
  for (int i = 0; i < 8; i++)
    crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
  return crc;
}

static uint16_t crc16_u16(uint16_t crc, uint16_t v) {
  crc = crc16_byte(crc, (uint8_t)v);
  return crc16_byte(crc, (uint8_t)(v >> 8));
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v) {
  crc = crc16_u16(crc, (uint16_t)v);
  return crc16_u16(crc, (uint16_t)(v >> 16));
}

/* ---- list -------------------------------------------------------------- */

struct node {
  struct node *next;
  uint16_t val;
  uint16_t idx;
};

static struct node pool[NNODES];

typedef int (*node_gt)(const struct node *a, const struct node *b);

static int gt_by_val(const struct node *a, const struct node *b) { return a->val > b->val; }
static int gt_by_idx(const struct node *a, const struct node *b) { return a->idx > b->idx; }

/* The first node holding key moves to the front. Returns the new head;
 * *steps grows by the nodes visited, *found by one on a hit. */
static struct node *find_to_front(struct node *head, uint16_t key, uint32_t *found,
                                  uint32_t *steps) {
  struct node *prev = NULL, *n = head;
  uint32_t visited = 0;
  while (n) {
    visited++;
    if (n->val == key)
      break;
    prev = n;
    n = n->next;
  }
  *steps += visited;
  if (!n)
    return head;
  ++*found;
  if (prev) {
    prev->next = n->next;
    n->next = head;
    head = n;
  }
  return head;
}

static struct node *reverse(struct node *head) {
  struct node *done = NULL;
  while (head) {
    struct node *next = head->next;
    head->next = done;
    done = head;
    head = next;
  }
  return done;
}

/* Stable merge of two NULL-terminated sorted lists (ties from a first). */
static struct node *merge(struct node *a, struct node *b, node_gt gt) {
  struct node *head = NULL, **tail = &head;
  while (a && b) {
    if (gt(a, b)) {
      *tail = b;
      b = b->next;
    } else {
      *tail = a;
      a = a->next;
    }
    tail = &(*tail)->next;
  }
  *tail = a ? a : b;
  return head;
}

/* Top-down merge sort of a NULL-terminated list of n nodes. */
static struct node *merge_sort(struct node *head, uint32_t n, node_gt gt) {
  if (n < 2)
    return head;
  struct node *cut = head;
  for (uint32_t i = 1; i < n / 2; i++)
    cut = cut->next;
  struct node *right = cut->next;
  cut->next = NULL;
  struct node *l = merge_sort(head, n / 2, gt);
  struct node *r = merge_sort(right, n - n / 2, gt);
  return merge(l, r, gt);
}

/* ---- matrices ---------------------------------------------------------- */

static uint16_t mat_a[MAT_N * MAT_N], mat_b[MAT_N * MAT_N];
static uint32_t mat_c[MAT_N * MAT_N], mat_bits[MAT_N * MAT_N], vec_v[MAT_N], vec_c[MAT_N];

/* int16 bit pattern -> int32 bit pattern */
static uint32_t sx16(uint16_t v) { return (uint32_t)v - ((uint32_t)(v & 0x8000u) << 1); }

static void mat_add_const(uint16_t *a, uint16_t k) {
  for (int i = 0; i < MAT_N * MAT_N; i++)
    a[i] = (uint16_t)(a[i] + k);
}

static void mat_times_vec(uint32_t *out, const uint16_t *a, const uint32_t *v) {
  for (int i = 0; i < MAT_N; i++) {
    uint32_t acc = 0;
    for (int j = 0; j < MAT_N; j++)
      acc += sx16(a[i * MAT_N + j]) * v[j];
    out[i] = acc;
  }
}

static void mat_times_mat(uint32_t *out, const uint16_t *a, const uint16_t *b) {
  for (int i = 0; i < MAT_N; i++)
    for (int j = 0; j < MAT_N; j++) {
      uint32_t acc = 0;
      for (int k = 0; k < MAT_N; k++)
        acc += sx16(a[i * MAT_N + k]) * sx16(b[k * MAT_N + j]);
      out[i * MAT_N + j] = acc;
    }
}

/* Like mat_times_mat, but each product contributes two of its bit fields
 * multiplied together. */
static void mat_times_mat_bits(uint32_t *out, const uint16_t *a, const uint16_t *b) {
  for (int i = 0; i < MAT_N; i++)
    for (int j = 0; j < MAT_N; j++) {
      uint32_t acc = 0;
      for (int k = 0; k < MAT_N; k++) {
        uint32_t p = sx16(a[i * MAT_N + k]) * sx16(b[k * MAT_N + j]);
        acc += ((p >> 4) & 0x3fu) * ((p >> 11) & 0xffu);
      }
      out[i * MAT_N + j] = acc;
    }
}

/* ---- state machine ----------------------------------------------------- */

enum { S_START, S_SIGN, S_INT, S_DOT, S_FRAC, S_EXP, S_EXP_SIGN, S_SCI, S_INVALID, NSTATES };

static uint8_t text[TEXT_CAP];
static uint32_t text_len;
static const char mutation_chars[] = "0123456789+-.eE,x"; /* 17 */

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static int is_sign(uint8_t c) { return c == '+' || c == '-'; }
static int is_exp(uint8_t c) { return c == 'e' || c == 'E'; }

static uint32_t next_state(uint32_t s, uint8_t c) {
  switch (s) {
  case S_START:
    return is_digit(c) ? S_INT : is_sign(c) ? S_SIGN : c == '.' ? S_DOT : S_INVALID;
  case S_SIGN:
    return is_digit(c) ? S_INT : c == '.' ? S_DOT : S_INVALID;
  case S_INT:
    return is_digit(c) ? S_INT : c == '.' ? S_DOT : is_exp(c) ? S_EXP : S_INVALID;
  case S_DOT:
    return is_digit(c) ? S_FRAC : S_INVALID;
  case S_FRAC:
    return is_digit(c) ? S_FRAC : is_exp(c) ? S_EXP : S_INVALID;
  case S_EXP:
    return is_digit(c) ? S_SCI : is_sign(c) ? S_EXP_SIGN : S_INVALID;
  case S_EXP_SIGN:
  case S_SCI:
    return is_digit(c) ? S_SCI : S_INVALID;
  default:
    return S_INVALID;
  }
}

/* fin[s]: tokens ending in state s; trans[s]: transitions into state s. */
static void scan(const uint8_t *p, uint32_t n, uint32_t *fin, uint32_t *trans) {
  uint32_t s = S_START;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c == ',') {
      fin[s]++;
      s = S_START;
      continue;
    }
    uint32_t t = next_state(s, c);
    if (t != s)
      trans[t]++;
    s = t;
  }
  fin[s]++;
}

static uint32_t put_sign(uint8_t *t, uint32_t n) {
  uint32_t r = rng_below(3);
  if (r)
    t[n++] = r == 1 ? '+' : '-';
  return n;
}

static uint32_t put_digits(uint8_t *t, uint32_t n, uint32_t count) {
  for (uint32_t i = 0; i < count; i++)
    t[n++] = (uint8_t)('0' + rng_below(10));
  return n;
}

/* One token (at most TOKEN_MAX bytes) into t; returns its length. */
static uint32_t gen_token(uint8_t *t) {
  static const char junk[] = "0123456789+-.eE";  /* 15 */
  static const char letters[] = "abcxyz_Q"; /* 8 */
  uint32_t n = 0, count;
  switch (rng_below(5)) {
  case 0: /* integer: [sign] 1-6 digits */
    n = put_sign(t, n);
    count = 1 + rng_below(6);
    n = put_digits(t, n, count);
    break;
  case 1: /* decimal: [sign] 0-4 digits . 1-4 digits */
    n = put_sign(t, n);
    count = rng_below(5);
    n = put_digits(t, n, count);
    t[n++] = '.';
    count = 1 + rng_below(4);
    n = put_digits(t, n, count);
    break;
  case 2: /* scientific: [sign] 1-3 digits [. 1-3 digits] e|E [sign] 1-3 digits */
    n = put_sign(t, n);
    count = 1 + rng_below(3);
    n = put_digits(t, n, count);
    if (rng_below(2)) {
      t[n++] = '.';
      count = 1 + rng_below(3);
      n = put_digits(t, n, count);
    }
    t[n++] = rng_below(2) ? 'E' : 'e';
    n = put_sign(t, n);
    count = 1 + rng_below(3);
    n = put_digits(t, n, count);
    break;
  case 3: /* number-like junk: 1-6 characters of junk[] */
    count = 1 + rng_below(6);
    for (uint32_t i = 0; i < count; i++)
      t[n++] = (uint8_t)junk[rng_below(15)];
    break;
  default: /* word: 1-5 letters */
    count = 1 + rng_below(5);
    for (uint32_t i = 0; i < count; i++)
      t[n++] = (uint8_t)letters[rng_below(8)];
    break;
  }
  return n;
}

static void gen_text(void) {
  uint8_t tok[TOKEN_MAX];
  text_len = 0;
  for (;;) {
    uint32_t n = gen_token(tok);
    uint32_t need = n + (text_len ? 1u : 0u);
    if (text_len + need > TEXT_CAP)
      break;
    if (text_len)
      text[text_len++] = ',';
    for (uint32_t i = 0; i < n; i++)
      text[text_len++] = tok[i];
  }
}

/* ---- main -------------------------------------------------------------- */

static uint32_t load_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le(uint8_t *p, uint32_t v, int n) {
  for (int i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

int main(void) {
  const uint8_t *in;
  size_t len;
  read_input(&in, &len);
  if (len < 8)
    return 2;
  uint32_t seed = load_u32(in), iterations = load_u32(in + 4);

  /* set up: list values, then matrices, then the text, from one LCG stream */
  rng_state = seed;
  for (uint32_t i = 0; i < NNODES; i++) {
    pool[i].next = i + 1 < NNODES ? &pool[i + 1] : NULL;
    pool[i].idx = (uint16_t)i;
    pool[i].val = (uint16_t)(rng_next() >> 16);
  }
  for (int i = 0; i < MAT_N * MAT_N; i++)
    mat_a[i] = (uint16_t)(rng_next() >> 16);
  for (int i = 0; i < MAT_N * MAT_N; i++)
    mat_b[i] = (uint16_t)(rng_next() >> 16);
  gen_text();

  struct node *head = &pool[0];
  uint16_t crc_list = 0, crc_mat = 0, crc_state = 0;
  uint32_t found = 0, steps = 0;
  uint32_t fin_total[NSTATES] = {0};

  for (uint32_t iter = 0; iter < iterations; iter++) {
    /* list */
    for (uint32_t k = 0; k < 4; k++) {
      uint16_t key;
      if (k & 1)
        key = (uint16_t)(iter * 0x9e37u + k * 0x1234u); /* mostly misses */
      else
        key = pool[(iter * 5u + k * 17u) % NNODES].val; /* a hit */
      head = find_to_front(head, key, &found, &steps);
    }
    head = reverse(head);
    head = merge_sort(head, NNODES, gt_by_val);
    uint32_t wsum = 0, pos = 0;
    uint16_t prev = 0;
    for (struct node *n = head; n; n = n->next, pos++) {
      if (n->val < prev)
        return 3; /* not sorted */
      prev = n->val;
      wsum += (uint32_t)n->val * (pos + 1);
      n->val = (uint16_t)(n->val * 5u + pos + iter);
    }
    head = merge_sort(head, NNODES, gt_by_idx);
    uint32_t mix = 0;
    pos = 0;
    for (struct node *n = head; n; n = n->next, pos++) {
      if (n->idx != pos)
        return 4; /* not in index order */
      mix ^= ((uint32_t)n->val << (n->idx & 15u)) + n->idx;
    }
    crc_list = crc16_u32(crc_list, wsum);
    crc_list = crc16_u32(crc_list, mix);

    /* matrices */
    uint16_t k16 = (uint16_t)((seed >> 3) ^ (iter * 0x2f1u));
    mat_add_const(mat_a, k16);
    for (int j = 0; j < MAT_N; j++)
      vec_v[j] = sx16(mat_b[j * MAT_N + iter % MAT_N]);
    mat_times_vec(vec_c, mat_a, vec_v);
    mat_times_mat(mat_c, mat_a, mat_b);
    mat_times_mat_bits(mat_bits, mat_a, mat_b);
    mat_add_const(mat_a, (uint16_t)(0u - k16));
    uint32_t s_vec = 0, s_mat = 0, s_bits = 0, positive = 0;
    for (int i = 0; i < MAT_N; i++)
      s_vec += vec_c[i];
    for (int i = 0; i < MAT_N * MAT_N; i++) {
      s_mat += mat_c[i];
      s_bits += mat_bits[i];
      positive += mat_c[i] != 0 && mat_c[i] < 0x80000000u;
    }
    crc_mat = crc16_u32(crc_mat, s_vec);
    crc_mat = crc16_u32(crc_mat, s_mat);
    crc_mat = crc16_u32(crc_mat, s_bits);
    crc_mat = crc16_u16(crc_mat, (uint16_t)positive);

    /* state machine on a mutated text */
    uint32_t fin[NSTATES] = {0}, trans[NSTATES] = {0};
    uint32_t where[MUTATIONS];
    uint8_t saved[MUTATIONS];
    for (uint32_t m = 0; m < MUTATIONS; m++) {
      where[m] = (iter * 131u + m * 61u + 7u) % text_len;
      saved[m] = text[where[m]];
      text[where[m]] = (uint8_t)mutation_chars[(iter + 3u * m) % 17u];
    }
    scan(text, text_len, fin, trans);
    for (uint32_t m = MUTATIONS; m-- > 0;)
      text[where[m]] = saved[m];
    uint32_t tsum = 0;
    for (uint32_t s = 0; s < NSTATES; s++) {
      crc_state = crc16_u16(crc_state, (uint16_t)fin[s]);
      tsum += trans[s] * (s + 1);
      fin_total[s] += fin[s];
    }
    crc_state = crc16_u32(crc_state, tsum);
  }

  uint16_t crc_final = crc16_u16(0, crc_list);
  crc_final = crc16_u16(crc_final, crc_mat);
  crc_final = crc16_u16(crc_final, crc_state);

  uint8_t out[24 + 4 * NSTATES];
  put_le(out, seed, 4);
  put_le(out + 4, iterations, 4);
  put_le(out + 8, crc_list, 2);
  put_le(out + 10, crc_mat, 2);
  put_le(out + 12, crc_state, 2);
  put_le(out + 14, crc_final, 2);
  put_le(out + 16, found, 4);
  put_le(out + 20, steps, 4);
  for (int s = 0; s < NSTATES; s++)
    put_le(out + 24 + 4 * s, fin_total[s], 4);
  write_output(out, sizeof out);
  return 0;
}
