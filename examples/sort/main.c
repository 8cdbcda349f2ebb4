/* sort: input u32 N, then N u32 values (all LE). The guest sorts a heap
 * copy (quicksort, median of three, insertion sort for short runs), checks
 * the order and outputs
 *   u32 N, u32 smallest, u32 largest, u64 FNV-1a-64 of the sorted array's
 *   little-endian bytes. */
#include "zkaot.h"

static uint32_t load_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static void swap(uint32_t *a, uint32_t *b) {
  uint32_t t = *a;
  *a = *b;
  *b = t;
}

static void insertion_sort(uint32_t *a, long n) {
  for (long i = 1; i < n; i++) {
    uint32_t v = a[i];
    long j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static void quicksort(uint32_t *a, long n) {
  while (n > 16) {
    long mid = n / 2;
    if (a[mid] < a[0])
      swap(&a[mid], &a[0]);
    if (a[n - 1] < a[0])
      swap(&a[n - 1], &a[0]);
    if (a[n - 1] < a[mid])
      swap(&a[n - 1], &a[mid]);
    uint32_t pivot = a[mid];
    long i = 0, j = n - 1;
    for (;;) { /* Hoare partition */
      while (a[i] < pivot)
        i++;
      while (a[j] > pivot)
        j--;
      if (i >= j)
        break;
      swap(&a[i], &a[j]);
      i++;
      j--;
    }
    /* recurse into the smaller side, loop on the larger */
    if (j + 1 < n - (j + 1)) {
      quicksort(a, j + 1);
      a += j + 1;
      n -= j + 1;
    } else {
      quicksort(a + j + 1, n - (j + 1));
      n = j + 1;
    }
  }
  insertion_sort(a, n);
}

static void put_le(uint8_t *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

int main(void) {
  const uint8_t *in;
  size_t len;
  read_input(&in, &len);
  if (len < 4)
    return 2;
  uint32_t n = load_u32(in);
  if (n == 0 || (len - 4) / 4 < n)
    return 2;
  uint32_t *a = malloc((size_t)n * sizeof *a);
  if (!a)
    return 1;
  for (uint32_t i = 0; i < n; i++)
    a[i] = load_u32(in + 4 + 4 * (size_t)i);
  quicksort(a, (long)n);

  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
  for (uint32_t i = 0; i < n; i++) {
    if (i && a[i - 1] > a[i])
      return 3; /* not sorted */
    for (int k = 0; k < 4; k++) {
      h ^= (a[i] >> (8 * k)) & 0xff;
      h *= 0x100000001b3ull;
    }
  }
  uint8_t out[20];
  put_le(out, n, 4);
  put_le(out + 4, a[0], 4);
  put_le(out + 8, a[n - 1], 4);
  put_le(out + 12, h, 8);
  write_output(out, sizeof out);
  return 0;
}
