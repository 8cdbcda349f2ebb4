/* The linux profile's C-extension guest: musl libc and this code built rv64imac, so most of
 * its instructions are compressed (2 bytes) and its 32-bit ones often straddle a 4-byte
 * boundary.  Function pointers, a jump table, recursion and libc's string and stdio code
 * run through it.  `guest` prints what qemu-user prints (tests/guests/linux_rvc/expected.*);
 * `guest counters` prints the three counters read back to back; `guest mstatus` reads a CSR
 * the profile does not have. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_value(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static unsigned step(unsigned state, int op) {
    switch (op) {               /* dense cases: a jump table */
    case 0: return state * 3 + 1;
    case 1: return state ^ (state >> 3);
    case 2: return state + 0x9e3779b9u;
    case 3: return state << 1 | state >> 31;
    case 4: return ~state;
    case 5: return state * 5;
    case 6: return state - 7;
    case 7: return state ^ 0x55aa55aau;
    default: return state + 1;
    }
}

static unsigned (*const pick[2])(unsigned, int) = {step, step};

static int counters(void) {
    unsigned long cycle, time, instret;
    __asm__ volatile("rdcycle %0\n\trdtime %1\n\trdinstret %2" : "=r"(cycle), "=r"(time), "=r"(instret));
    printf("cycle=%lu\ntime=%lu\ninstret=%lu\n", cycle, time, instret);
    return 0;
}

static int mstatus(void) {
    unsigned long value;
    __asm__ volatile("csrr %0, mstatus" : "=r"(value));
    printf("mstatus=%lu\n", value);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "counters") == 0)
        return counters();
    if (argc > 1 && strcmp(argv[1], "mstatus") == 0)
        return mstatus();
    int values[64];
    unsigned state = 12345;
    for (int i = 0; i < 64; i++) {
        state = pick[i & 1](state, (int)(state % 9));
        values[i] = (int)(state % 1000) - 500;
    }
    qsort(values, 64, sizeof values[0], by_value);
    char line[128];
    snprintf(line, sizeof line, "min=%d max=%d median=%d", values[0], values[63], values[32]);
    printf("%s (%zu chars)\n", line, strlen(line));
    printf("fib(20)=%ld\n", fib(20));
    printf("state=%08x\n", state);
    return (int)(state % 7) + 1;
}
