/* The SQLite benchmark guest: SQLite (the amalgamation built from Debian's
 * sqlite3 source by bench/large_programs.py, with SQLITE_OS_OTHER) running the
 * SQL given as input on an in-memory database, printing every result row.
 * SQLITE_OS_OTHER leaves the VFS to us: one that opens no files is enough for
 * ":memory:" with SQLITE_TEMP_STORE=3 (temporary tables in memory too). */
#include <stdio.h>
#include <string.h>

#include "bench_io.h"
#include "sqlite3.h"

static int no_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out) {
  (void)vfs, (void)name, (void)file, (void)flags, (void)out;
  return SQLITE_CANTOPEN;
}
static int no_delete(sqlite3_vfs *vfs, const char *name, int sync) {
  (void)vfs, (void)name, (void)sync;
  return SQLITE_OK;
}
static int no_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
  (void)vfs, (void)name, (void)flags;
  *out = 0;
  return SQLITE_OK;
}
static int full_path(sqlite3_vfs *vfs, const char *name, int n, char *out) {
  (void)vfs;
  sqlite3_snprintf(n, out, "%s", name);
  return SQLITE_OK;
}
static int randomness(sqlite3_vfs *vfs, int n, char *out) { /* fixed, so runs are identical */
  (void)vfs;
  for (int i = 0; i < n; i++)
    out[i] = (char)(i * 131 + 7);
  return n;
}
static int no_sleep(sqlite3_vfs *vfs, int us) { (void)vfs; return us; }
static int fixed_time(sqlite3_vfs *vfs, double *out) { (void)vfs; *out = 2460000.5; return SQLITE_OK; }
static int no_error(sqlite3_vfs *vfs, int n, char *out) { (void)vfs, (void)n, (void)out; return 0; }

static sqlite3_vfs memory_vfs = {
    1, 0, 512, NULL, "bench-memory", NULL, no_open, no_delete, no_access, full_path,
    NULL, NULL, NULL, NULL, randomness, no_sleep, fixed_time, no_error};

int sqlite3_os_init(void) { return sqlite3_vfs_register(&memory_vfs, 1); }
int sqlite3_os_end(void) { return SQLITE_OK; }

static int print_row(void *unused, int n, char **values, char **names) {
  (void)unused, (void)names;
  for (int i = 0; i < n; i++)
    printf("%s%s", i ? "|" : "", values[i] ? values[i] : "NULL");
  putchar('\n');
  return 0;
}

int main(int argc, char **argv) {
  size_t len;
  const char *input = bench_input(argc, argv, &len);
  char *sql = sqlite3_malloc((int)len + 1); /* the input region has no terminating zero */
  memcpy(sql, input, len);
  sql[len] = 0;
  sqlite3 *db;
  char *err = NULL;
  int rc = sqlite3_open(":memory:", &db);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, sql, print_row, NULL, &err);
  if (rc != SQLITE_OK)
    fprintf(stderr, "sqlite: %s\n", err ? err : sqlite3_errstr(rc));
  sqlite3_close(db);
  sqlite3_free(sql);
  fflush(stdout);
  return rc == SQLITE_OK ? 0 : 1;
}
