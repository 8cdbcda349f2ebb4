/*
 * zkaot guest SDK: printf, snprintf, puts and putchar (declared in zkaot.h).
 *
 * A file of its own, so that guests which never print keep the code of
 * zkaot.c exactly as it was (the linker drops these functions when unused).
 */
#include "zkaot.h"

/* ---- printf ---------------------------------------------------------------
 * One formatter (zk_format) writes into a sink: a caller's buffer (snprintf),
 * or a small staging buffer that goes to the console in one write ecall per
 * 128 bytes and at the end (printf). */
typedef struct {
  char *buf;         /* snprintf's buffer, or NULL for the console */
  size_t cap, len;   /* len counts every character, stored or not  */
  size_t staged;
  char stage[128];
} zk_sink;

static void zk_flush(zk_sink *o) {
  if (!o->buf && o->staged)
    zkaot_write_console(o->stage, o->staged);
  o->staged = 0;
}

static void zk_put(zk_sink *o, char c) {
  if (!o->buf) {
    o->stage[o->staged++] = c;
    if (o->staged == sizeof o->stage)
      zk_flush(o);
  } else if (o->len + 1 < o->cap) {
    o->buf[o->len] = c;
  }
  o->len++;
}

static int zk_has(const char *s, char c) {
  while (*s)
    if (*s++ == c)
      return 1;
  return 0;
}

static void zk_pad(zk_sink *o, char c, int n) {
  while (n-- > 0)
    zk_put(o, c);
}

/* One integer conversion: prefix (sign, 0x), zeros up to the precision, then
 * the digits, padded to the width on the left or (flag -) on the right. */
static void zk_integer(zk_sink *o, unsigned long long v, int negative, unsigned base, int upper,
                       const char *flags, int width, int precision) {
  char digits[24];
  int n = 0;
  const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  while (v) {
    digits[n++] = alphabet[v % base];
    v /= base;
  }
  int has_precision = precision >= 0;       /* a precision turns the 0 flag off */
  if (!has_precision)
    precision = 1;
  const char *prefix = negative ? "-" : zk_has(flags, '+') ? "+" : zk_has(flags, ' ') ? " " : "";
  if (zk_has(flags, '#')) {
    if (base == 16 && n)
      prefix = upper ? "0X" : "0x";
    else if (base == 8 && precision <= n)
      precision = n + 1;
  }
  int zeros = precision > n ? precision - n : 0;
  int len = (int)strlen(prefix) + zeros + n;
  int left = zk_has(flags, '-');
  int zero_pad = !left && zk_has(flags, '0') && !has_precision;
  if (!left && !zero_pad)
    zk_pad(o, ' ', width - len);
  while (*prefix)
    zk_put(o, *prefix++);
  if (zero_pad)
    zk_pad(o, '0', width - len);
  zk_pad(o, '0', zeros);
  while (n)
    zk_put(o, digits[--n]);
  if (left)
    zk_pad(o, ' ', width - len);
}

static void zk_format(zk_sink *o, const char *f, va_list ap) {
  while (*f) {
    if (*f != '%') {
      zk_put(o, *f++);
      continue;
    }
    const char *start = f++;
    char flags[8];
    int nflags = 0, width = 0, precision = -1;
    while (*f && zk_has("-+ #0", *f) && nflags < 7)
      flags[nflags++] = *f++;
    flags[nflags] = 0;
    if (*f == '*') {
      width = va_arg(ap, int);
      f++;
      if (width < 0) {
        width = -width;
        if (nflags < 7)
          flags[nflags++] = '-', flags[nflags] = 0;
      }
    }
    while (*f >= '0' && *f <= '9')
      width = width * 10 + (*f++ - '0');
    if (*f == '.') {
      f++;
      precision = 0;
      if (*f == '*') {
        precision = va_arg(ap, int);
        f++;
      }
      while (*f >= '0' && *f <= '9')
        precision = precision * 10 + (*f++ - '0');
    }
    int size = 0;      /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
    while (*f && zk_has("hlzjt", *f)) {
      char m = *f++;
      size = m == 'h' ? size - 1 : m == 'l' ? size + 1 : m == 'j' ? 2
           : (m == 'z' ? sizeof(size_t) : sizeof(ptrdiff_t)) == sizeof(long long) ? 2 : 0;
    }
    char c = *f ? *f++ : 0;
    if (c == 'd' || c == 'i') {
      long long v = size >= 2 ? va_arg(ap, long long) : size == 1 ? va_arg(ap, long) : va_arg(ap, int);
      if (size == -1) v = (short)v;
      if (size <= -2) v = (signed char)v;
      zk_integer(o, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, v < 0, 10, 0, flags, width,
                 precision);
    } else if (c == 'u' || c == 'x' || c == 'X' || c == 'o') {
      unsigned long long v = size >= 2 ? va_arg(ap, unsigned long long)
                           : size == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
      if (size == -1) v = (unsigned short)v;
      if (size <= -2) v = (unsigned char)v;
      zk_integer(o, v, 0, c == 'u' ? 10 : c == 'o' ? 8 : 16, c == 'X', flags, width, precision);
    } else if (c == 'p') {
      zk_integer(o, (uintptr_t)va_arg(ap, void *), 0, 16, 0, "#", width, precision);
    } else if (c == 'c' || c == 's' || c == '%') {
      char one = c == 'c' ? (char)va_arg(ap, int) : '%';
      const char *s = c == 's' ? va_arg(ap, const char *) : &one;
      if (!s)
        s = "(null)";
      int n = 0;
      if (c == 's')
        while ((precision < 0 || n < precision) && s[n])
          n++;
      else
        n = 1;
      int left = zk_has(flags, '-');
      if (!left && c != '%')
        zk_pad(o, ' ', width - n);
      for (int i = 0; i < n; i++)
        zk_put(o, s[i]);
      if (left && c != '%')
        zk_pad(o, ' ', width - n);
    } else {                                       /* unknown, or floating point: as written */
      while (start < f)
        zk_put(o, *start++);
    }
  }
}

__attribute__((weak)) int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  zk_sink o = {buf ? buf : (char *)"", size, 0, 0, {0}};
  if (!buf)
    o.cap = 0;
  zk_format(&o, fmt, ap);
  if (size)
    buf[o.len < size ? o.len : size - 1] = 0;
  return (int)o.len;
}

__attribute__((weak)) int snprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

__attribute__((weak)) int vprintf(const char *fmt, va_list ap) {
  zk_sink o = {0, 0, 0, 0, {0}};
  zk_format(&o, fmt, ap);
  zk_flush(&o);
  return (int)o.len;
}

__attribute__((weak)) int printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vprintf(fmt, ap);
  va_end(ap);
  return n;
}

__attribute__((weak)) int putchar(int c) {
  char one = (char)c;
  zkaot_write_console(&one, 1);
  return (unsigned char)c;
}

__attribute__((weak)) int puts(const char *s) {
  zkaot_print(s);
  zkaot_write_console("\n", 1);
  return 0;
}
