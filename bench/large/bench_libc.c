/*
 * picolibc glue for the large benchmark guests (rv64im and rv32im), following
 * the zkaot guest ABI (docs/machine.md, runtime/calls.py):
 *   stdout, stderr  tinystdio streams whose bytes go out through the write
 *                   ecall (a7=64) to fd 1 and fd 2, buffered so that a line is
 *                   not one ecall per character
 *   _exit           flushes them and ends the run with the exit ecall (a7=93)
 *   sbrk            malloc's heap: [_heap_start, _heap_end) of zkaot.ld
 *   bench_input     the input region at 0x40000000: u64 length, then the bytes
 * and stubs for the file-system calls the programs link but never make.
 * Natively (and under qemu-user) only bench_input is compiled: from a file.
 */
#include "bench_io.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef ZKAOT_GUEST
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

#define SYS_WRITE 64
#define SYS_EXIT 93
#define INPUT_BASE 0x40000000u

static long ecall3(long num, long a0, long a1, long a2) {
  register long r_a0 __asm__("a0") = a0;
  register long r_a1 __asm__("a1") = a1;
  register long r_a2 __asm__("a2") = a2;
  register long r_a7 __asm__("a7") = num;
  __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
  return r_a0;
}

/* One buffer per console stream, written out when full and at exit. */
struct outbuf {
  int fd;
  size_t len;
  char data[4096];
};
static struct outbuf out_buf = {1, 0, {0}}, err_buf = {2, 0, {0}};

static void drain(struct outbuf *b) {
  if (b->len)
    ecall3(SYS_WRITE, b->fd, (long)(uintptr_t)b->data, (long)b->len);
  b->len = 0;
}

static int put(struct outbuf *b, char c) {
  b->data[b->len++] = c;
  if (b->len == sizeof b->data)
    drain(b);
  return (unsigned char)c;
}

static int out_put(char c, FILE *f) { (void)f; return put(&out_buf, c); }
static int err_put(char c, FILE *f) { (void)f; return put(&err_buf, c); }
static int out_flush(FILE *f) { (void)f; drain(&out_buf); return 0; }
static int err_flush(FILE *f) { (void)f; drain(&err_buf); return 0; }
static int no_get(FILE *f) { (void)f; return EOF; }

static FILE out_file = FDEV_SETUP_STREAM(out_put, no_get, out_flush, _FDEV_SETUP_RW);
static FILE err_file = FDEV_SETUP_STREAM(err_put, no_get, err_flush, _FDEV_SETUP_WRITE);
FILE *const stdin = &out_file;
FILE *const stdout = &out_file;
FILE *const stderr = &err_file;

void _exit(int code) {
  drain(&out_buf);
  drain(&err_buf);
  ecall3(SYS_EXIT, code, 0, 0);
  for (;;) {
  }
}

extern char _heap_start[], _heap_end[];
static char *heap_top = _heap_start;

void *sbrk(ptrdiff_t incr) {
  if (incr > _heap_end - heap_top || incr < _heap_start - heap_top) {
    errno = ENOMEM;
    return (void *)-1;
  }
  char *old = heap_top;
  heap_top += incr;
  return old;
}

/* The programs link these (Lua's os and io libraries are not opened, SQLite
 * uses the in-memory VFS of sqlite_main.c) but a run never calls them with
 * effect: no files, a clock that stands still. */
int open(const char *path, int flags, ...) { (void)path; (void)flags; errno = ENOENT; return -1; }
int close(int fd) { (void)fd; return 0; }
ssize_t read(int fd, void *buf, size_t n) { (void)fd; (void)buf; (void)n; return 0; }
ssize_t write(int fd, const void *buf, size_t n) {
  ecall3(SYS_WRITE, fd == 2 ? 2 : 1, (long)(uintptr_t)buf, (long)n);
  return (ssize_t)n;
}
off_t lseek(int fd, off_t off, int whence) { (void)fd; (void)off; (void)whence; errno = ESPIPE; return -1; }
int unlink(const char *path) { (void)path; errno = ENOENT; return -1; }
int gettimeofday(struct timeval *tv, void *tz) {
  (void)tz;
  if (tv)
    tv->tv_sec = tv->tv_usec = 0;
  return 0;
}
clock_t times(struct tms *t) {
  t->tms_utime = t->tms_stime = t->tms_cutime = t->tms_cstime = 0;
  return 0;
}
int getpid(void) { return 1; }
int kill(int pid, int sig) { /* abort's raise(SIGABRT): end the run as a signal would */
  (void)pid;
  _exit(128 + sig);
}
time_t time(time_t *t) {
  if (t)
    *t = 0;
  return 0;
}

const char *bench_input(int argc, char **argv, size_t *len) {
  (void)argc;
  (void)argv;
  *len = (size_t) * (const volatile uint64_t *)(uintptr_t)INPUT_BASE;
  return (const char *)(uintptr_t)(INPUT_BASE + 8u);
}

#else /* natively or under qemu-user: the input is the file argv[1] */

const char *bench_input(int argc, char **argv, size_t *len) {
  FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
  if (!f) {
    fprintf(stderr, "usage: %s INPUT\n", argv[0]);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
    exit(2);
  fclose(f);
  buf[n] = 0;
  *len = (size_t)n;
  return buf;
}

#endif
