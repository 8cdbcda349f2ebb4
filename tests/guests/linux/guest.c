/* A static linux/riscv64 test program written against the kernel ABI alone (no libc): its
 * own __libc_start_main reads argc, argv, envp and the auxiliary vector from the initial
 * stack, and each test (argv[1]) makes raw system calls and prints what it sees. */
#include <stdint.h>
#include <stddef.h>

static long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long a0 __asm__("a0") = a; register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c; register long a3 __asm__("a3") = d;
  register long a4 __asm__("a4") = e; register long a5 __asm__("a5") = f;
  register long a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7) : "memory");
  return a0;
}
#define SYS(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

enum { SYS_fcntl = 25, SYS_clock_nanosleep = 115, SYS_futex = 98, SYS_exit = 93, SYS_set_tid_address = 96, SYS_nanosleep = 101, SYS_sched_yield = 124,
       SYS_tkill = 130, SYS_tgkill = 131, SYS_getpid = 172, SYS_gettid = 178 };
enum { SYS_openat = 56, SYS_close = 57, SYS_lseek = 62, SYS_read = 63, SYS_write = 64, SYS_readv = 65,
       SYS_writev = 66, SYS_fstat = 80, SYS_exit_group = 94, SYS_clock_gettime = 113, SYS_brk = 214,
       SYS_clone = 220, SYS_mmap = 222, SYS_getrandom = 278 };
enum { AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_ENTRY = 9, AT_RANDOM = 25 };

static size_t len(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static int eq(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }
static void out(const char *s) { SYS(SYS_write, 1, s, len(s)); }
static void out_hex(uint64_t v) {
  char b[19] = "0x"; int n = 2;
  for (int shift = 60; shift >= 0; shift -= 4) {
    int d = (v >> shift) & 15;
    if (d || n > 2 || shift == 0) b[n++] = "0123456789abcdef"[d];
  }
  b[n] = 0; out(b);
}
static void out_dec(long v) {
  char b[24]; int n = 23; b[n] = 0;
  int neg = v < 0; uint64_t u = neg ? -(uint64_t)v : (uint64_t)v;
  do { b[--n] = '0' + u % 10; u /= 10; } while (u);
  if (neg) b[--n] = '-';
  out(b + n);
}
static void line(const char *key, long v) { out(key); out("="); out_dec(v); out("\n"); }

extern char _start[];

static int test_args(int argc, char **argv, char **envp) {
  line("argc", argc);
  for (int i = 0; i < argc; i++) { out("argv="); out(argv[i]); out("\n"); }
  for (char **e = envp; *e; e++) { out("env="); out(*e); out("\n"); }
  return 0;
}

static int test_auxv(uint64_t *auxv) {
  uint64_t phdr = 0, phnum = 0, phent = 0;
  for (uint64_t *a = auxv; a[0] != AT_NULL; a += 2) {
    if (a[0] == AT_PAGESZ) line("pagesz", a[1]);
    if (a[0] == AT_ENTRY) line("entry_is_start", a[1] == (uint64_t)_start);
    if (a[0] == AT_PHDR) phdr = a[1];
    if (a[0] == AT_PHNUM) phnum = a[1];
    if (a[0] == AT_PHENT) phent = a[1];
    if (a[0] == AT_RANDOM) {
      const uint8_t *r = (const uint8_t *)a[1];
      out("random=");
      for (int i = 0; i < 16; i++) { char h[3] = {"0123456789abcdef"[r[i] >> 4], "0123456789abcdef"[r[i] & 15], 0}; out(h); }
      out("\n");
    }
  }
  line("phent", phent);
  line("phnum", phnum);
  uint32_t loads = 0;                           /* the program headers, as loaded, name the PT_LOADs */
  for (uint64_t i = 0; i < phnum; i++) loads += *(const uint32_t *)(phdr + i * phent) == 1;
  line("pt_load", loads);
  return 0;
}

static int test_stdin(void) {
  char buf[7], a[3], b[5];
  long total = 0, n;
  while ((n = SYS(SYS_read, 0, buf, sizeof buf)) > 0) { SYS(SYS_write, 1, buf, n); total += n; }
  struct { void *base; size_t len; } iov[2] = {{a, sizeof a}, {b, sizeof b}};
  line("\nread_total", total);
  line("readv_at_end", SYS(SYS_readv, 0, iov, 2));
  line("read_bad_fd", SYS(SYS_read, 9, buf, 1));
  return 0;
}

static int test_file(const char *path) {
  long fd = sys6(SYS_openat, -100, (long)path, 0, 0, 0, 0);
  line("fd", fd);
  uint8_t st[128];
  line("fstat", SYS(SYS_fstat, fd, st, 0));
  line("size", *(int64_t *)(st + 48));
  line("seek", SYS(SYS_lseek, fd, 1, 0));
  char buf[64];
  long n = SYS(SYS_read, fd, buf, sizeof buf);
  out("rest="); SYS(SYS_write, 1, buf, n); out("\n");
  line("close", SYS(SYS_close, fd, 0, 0));
  line("close_again", SYS(SYS_close, fd, 0, 0));
  line("missing", sys6(SYS_openat, -100, (long)"/no/such/file", 0, 0, 0, 0));
  line("for_writing", sys6(SYS_openat, -100, (long)path, 1, 0, 0, 0));
  line("write_to_file", SYS(SYS_write, fd, "x", 1));
  return 0;
}

static int test_memory(void) {
  uint64_t start = SYS(SYS_brk, 0, 0, 0);
  line("brk_page_aligned", start % 4096 == 0);
  uint64_t grown = SYS(SYS_brk, start + 100000, 0, 0);
  line("brk_grew", grown - start);
  volatile uint8_t *heap = (uint8_t *)start;
  heap[99999] = 42;
  line("brk_store", heap[99999]);
  line("brk_below_start_refused", SYS(SYS_brk, start - 4096, 0, 0) == grown);
  uint64_t m1 = sys6(SYS_mmap, 0, 3 * 4096, 3, 0x22, -1, 0);
  uint64_t m2 = sys6(SYS_mmap, 0, 10, 3, 0x22, -1, 0);
  line("mmap_gap", m2 - m1);
  line("mmap_zero", ((volatile uint64_t *)m1)[1000] == 0);
  ((volatile uint64_t *)m1)[1000] = 7;
  uint64_t fixed = sys6(SYS_mmap, m1, 4096, 3, 0x32, -1, 0);
  line("fixed_at", fixed == m1);
  line("fixed_zeroes", ((volatile uint64_t *)m1)[0] == 0 && ((volatile uint64_t *)m1)[1000] == 7);
  line("mmap_zero_length", sys6(SYS_mmap, 0, 0, 3, 0x22, -1, 0));
  return 0;
}

static int test_clock_and_random(void) {
  int64_t t1[2], t2[2];
  SYS(SYS_clock_gettime, 1, t1, 0);
  for (volatile int i = 0; i < 10; i++) {}
  SYS(SYS_clock_gettime, 1, t2, 0);
  line("clock_advanced", (t2[0] - t1[0]) * 1000000000 + (t2[1] - t1[1]) > 0);
  uint8_t r[32];
  line("getrandom", SYS(SYS_getrandom, r, sizeof r, 0));
  out("random=");
  for (int i = 0; i < 32; i++) { char h[3] = {"0123456789abcdef"[r[i] >> 4], "0123456789abcdef"[r[i] & 15], 0}; out(h); }
  out("\n");
  return 0;
}


/* ---- threads, with raw clone and futex calls ---------------------------------------- */
enum { CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800, CLONE_THREAD = 0x10000,
       CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000,
       CLONE_CHILD_CLEARTID = 0x200000 };
enum { FUTEX_WAIT = 0, FUTEX_WAIT_PRIVATE = 128, FUTEX_WAKE_PRIVATE = 129 };
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
#define NTHREADS 3

long spawn_thread(int (*fn)(void *), void *arg, void *stack_top, unsigned long flags, volatile int *parent_tid,
                  void *tls, volatile int *child_tid);

static char stacks[NTHREADS][16384] __attribute__((aligned(16)));
static volatile int child_tids[NTHREADS];

static long futex_wait(volatile int *word, int value, const int64_t *timeout) {
  return sys6(SYS_futex, (long)word, FUTEX_WAIT_PRIVATE, value, (long)timeout, 0, 0);
}
static long futex_wake(volatile int *word, int count) { return SYS(SYS_futex, word, FUTEX_WAKE_PRIVATE, count); }
static long now_ns(void) { int64_t t[2]; SYS(SYS_clock_gettime, 1, t, 0); return t[0] * 1000000000 + t[1]; }

/* A thread as pthreads make one: its tid written to child_tids[i] by the kernel, and cleared (and
 * the word woken) when it exits, which is what join waits for. */
static long start(int i, int (*fn)(void *), void *arg, void *tls) {
  return spawn_thread(fn, arg, stacks[i] + sizeof stacks[i],
                      THREAD_FLAGS | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
                      &child_tids[i], tls, &child_tids[i]);
}
static void join(int i) {          /* the kernel's wake at a thread's exit is a shared futex's */
  int tid;
  while ((tid = child_tids[i]) != 0) sys6(SYS_futex, (long)&child_tids[i], FUTEX_WAIT, tid, 0, 0, 0);
}

/* Drepper's futex mutex: 0 free, 1 locked, 2 locked with waiters. */
static void lock(volatile int *m) {
  int c = __sync_val_compare_and_swap(m, 0, 1);
  if (c == 0) return;
  if (c != 2) c = __atomic_exchange_n(m, 2, __ATOMIC_SEQ_CST);
  while (c != 0) { futex_wait(m, 2, 0); c = __atomic_exchange_n(m, 2, __ATOMIC_SEQ_CST); }
}
static void unlock(volatile int *m) {
  if (__atomic_fetch_sub(m, 1, __ATOMIC_SEQ_CST) != 1) { *m = 0; futex_wake(m, 1); }
}

static volatile int mutex, counter;
static volatile long seen_tid[NTHREADS], seen_tp[NTHREADS];
static long tls_blocks[NTHREADS][4];

static int add_under_lock(void *arg) {
  long i = (long)arg, tp;
  __asm__ volatile("mv %0, tp" : "=r"(tp));
  seen_tp[i] = tp;
  seen_tid[i] = SYS(SYS_gettid, 0, 0, 0);
  for (int k = 0; k < 100; k++) {
    lock(&mutex);
    int c = counter;
    SYS(SYS_sched_yield, 0, 0, 0);          /* let the others find the mutex taken */
    counter = c + 1;
    unlock(&mutex);
  }
  return 0;
}

static int test_threads(void) {
  long tids[NTHREADS];
  for (long i = 0; i < NTHREADS; i++) tids[i] = start(i, add_under_lock, (void *)i, tls_blocks[i]);
  for (int i = 0; i < NTHREADS; i++) join(i);
  int settid = 1, distinct = 1, tls = 1;
  long me = SYS(SYS_gettid, 0, 0, 0);
  for (int i = 0; i < NTHREADS; i++) {
    settid &= tids[i] > 0 && seen_tid[i] == tids[i];
    tls &= seen_tp[i] == (long)tls_blocks[i];
    for (int j = 0; j < i; j++) distinct &= tids[i] != tids[j];
    distinct &= tids[i] != me;
  }
  line("counter", counter);
  line("parent_settid_is_gettid", settid);
  line("tids_distinct", distinct);
  line("tls_is_tp", tls);
  line("cleared", child_tids[0] == 0 && child_tids[1] == 0 && child_tids[2] == 0);
  return 0;
}

/* A bounded queue with two futex condition variables: the consumer sums what the producer puts. */
static volatile int queue[4], head, tail, not_empty, not_full;
static void cond_wait(volatile int *cond, volatile int *m) {
  int seq = *cond;
  unlock(m);
  futex_wait(cond, seq, 0);
  lock(m);
}
static void cond_signal(volatile int *cond) { __atomic_fetch_add(cond, 1, __ATOMIC_SEQ_CST); futex_wake(cond, 1); }

static int produce(void *arg) {
  for (int v = 1; v <= 100; v++) {
    lock(&mutex);
    while (tail - head == 4) cond_wait(&not_full, &mutex);
    queue[tail++ % 4] = v;
    cond_signal(&not_empty);
    unlock(&mutex);
  }
  return 0;
}

static int test_condvar(void) {
  start(0, produce, 0, 0);
  long sum = 0;
  for (int n = 0; n < 100; n++) {
    lock(&mutex);
    while (tail == head) cond_wait(&not_empty, &mutex);
    sum += queue[head++ % 4];
    cond_signal(&not_full);
    unlock(&mutex);
  }
  join(0);
  line("sum", sum);
  return 0;
}

/* The first thread spins with no system call until the second sets the flag: only preemption
 * lets the second run on a machine with one hart. */
static volatile int flag;
static int set_flag(void *arg) { flag = 1; return 0; }

static int test_preempt(void) {
  start(0, set_flag, 0, 0);
  while (!flag) {}
  join(0);
  line("flag", flag);
  return 0;
}

static int exit_seven(void *arg) { SYS(SYS_exit, 7, 0, 0); return 1; }

static int test_thread_exit(void) {
  start(0, exit_seven, 0, 0);
  join(0);
  line("joined", child_tids[0]);
  SYS(SYS_exit, 5, 0, 0);                   /* the last thread's exit ends the process */
  return 1;
}

/* A wait whose timeout passes while no other thread can run, and a sleep. */
static volatile int never;
static int wait_forever(void *arg) { futex_wait(&never, 0, 0); return 0; }

static int test_timeout(void) {
  start(0, wait_forever, 0, 0);
  int64_t five_ms[2] = {0, 5000000}, two_ms[2] = {0, 2000000};
  long t0 = now_ns();
  line("timed_out", futex_wait(&never, 0, five_ms));
  long t1 = now_ns();
  line("waited_5ms", t1 - t0 >= 5000000);
  line("wrong_value", futex_wait(&never, 1, five_ms));
  line("slept", SYS(SYS_nanosleep, two_ms, 0, 0));
  long t2 = now_ns();
  line("slept_2ms", t2 - t1 >= 2000000);
  int64_t until[2] = {(t2 + 1000000) / 1000000000, (t2 + 1000000) % 1000000000};
  line("slept_until", sys6(SYS_clock_nanosleep, 1, 1, (long)until, 0, 0, 0));    /* CLOCK_MONOTONIC, TIMER_ABSTIME */
  line("woke_after", now_ns() >= t2 + 1000000);
  SYS(SYS_exit_group, 0, 0, 0);             /* the waiting thread goes with the process */
  return 1;
}

static int test_deadlock(void) {
  start(0, wait_forever, 0, 0);
  futex_wait(&never, 0, 0);
  return 1;
}

static int test_ids(void) {
  long pid = SYS(SYS_getpid, 0, 0, 0), tid = SYS(SYS_gettid, 0, 0, 0);
  line("tid_is_pid", tid == pid);
  line("set_tid_address_is_tid", SYS(SYS_set_tid_address, &never, 0, 0) == tid);
  line("tgkill_self", SYS(SYS_tgkill, pid, tid, 23));        /* SIGURG: ignored by default */
  line("tkill_probe", SYS(SYS_tkill, tid, 0, 0));
  line("tgkill_no_such_thread", SYS(SYS_tgkill, pid, 4000000, 23));
  line("fcntl_stdout_access", SYS(SYS_fcntl, 1, 3, 0) & 3);               /* F_GETFL: O_WRONLY (a pipe's end) */
  line("fcntl_closed_fd", SYS(SYS_fcntl, 99, 1, 0));                      /* F_GETFD: -EBADF */
  return 0;
}

void __libc_start_main(uint64_t *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  char **e = envp;
  while (*e) e++;
  uint64_t *auxv = (uint64_t *)(e + 1);
  const char *test = argc > 1 ? argv[1] : "args";
  long status = 0;
  if (eq(test, "args")) status = test_args(argc, argv, envp);
  else if (eq(test, "auxv")) status = test_auxv(auxv);
  else if (eq(test, "stdin")) status = test_stdin();
  else if (eq(test, "file")) status = test_file(argc > 2 ? argv[2] : "/data");
  else if (eq(test, "memory")) status = test_memory();
  else if (eq(test, "clock")) status = test_clock_and_random();
  else if (eq(test, "exit")) status = 300;
  else if (eq(test, "threads")) status = test_threads();
  else if (eq(test, "condvar")) status = test_condvar();
  else if (eq(test, "preempt")) status = test_preempt();
  else if (eq(test, "thread_exit")) status = test_thread_exit();
  else if (eq(test, "timeout")) status = test_timeout();
  else if (eq(test, "deadlock")) status = test_deadlock();
  else if (eq(test, "ids")) status = test_ids();
  else if (eq(test, "clone")) status = SYS(SYS_clone, 0, 0, 0);
  else if (eq(test, "unknown")) status = SYS(999, 0, 0, 0);
  else { out("unknown test\n"); status = 1; }
  SYS(SYS_exit_group, status, 0, 0);
}
