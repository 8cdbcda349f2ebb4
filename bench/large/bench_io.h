/* What the large benchmark programs need from their platform: their input
 * (the zkaot input region in a guest, the file named by argv[1] natively or
 * under qemu-user) and a flush of standard output before they return. */
#ifndef BENCH_IO_H
#define BENCH_IO_H
#include <stddef.h>

/* The input bytes and their number; never returns on failure. */
const char *bench_input(int argc, char **argv, size_t *len);

#endif
