/* A musl C program with POSIX threads (the linux profile's thread tests): four workers sum
 * their ranges under a mutex and signal a condition the main thread waits on; each keeps its
 * partial sum in a __thread variable (TLS through tp, CLONE_SETTLS) and returns it to
 * pthread_join; a detached thread ends on its own (musl unmaps its stack and exits); then a
 * 1 ms nanosleep.  What it prints does not depend on how the threads are scheduled. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static long total, finished;
static __thread long mine;

static void *work(void *arg) {
  long n = (long)arg;
  for (long i = 1; i <= n; i++) mine += i;
  pthread_mutex_lock(&mutex);
  total += mine;
  finished++;
  pthread_cond_signal(&done);
  pthread_mutex_unlock(&mutex);
  return (void *)mine;
}

static void *detached(void *arg) {
  pthread_mutex_lock(&mutex);
  finished++;
  pthread_cond_signal(&done);
  pthread_mutex_unlock(&mutex);
  return 0;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  pthread_t workers[4], loner;
  for (long i = 0; i < 4; i++) pthread_create(&workers[i], 0, work, (void *)(n + i));
  pthread_create(&loner, 0, detached, 0);
  pthread_detach(loner);
  pthread_mutex_lock(&mutex);
  while (finished < 5) pthread_cond_wait(&done, &mutex);
  pthread_mutex_unlock(&mutex);
  long joined = 0;
  for (int i = 0; i < 4; i++) {
    void *part;
    pthread_join(workers[i], &part);
    joined += (long)part;
  }
  struct timespec ms = {0, 1000000}, before, after;
  clock_gettime(CLOCK_MONOTONIC, &before);
  nanosleep(&ms, 0);
  clock_gettime(CLOCK_MONOTONIC, &after);
  long slept = (after.tv_sec - before.tv_sec) * 1000000000L + after.tv_nsec - before.tv_nsec;
  printf("total=%ld joined=%ld main_tls=%ld slept_1ms=%d\n", total, joined, mine, slept >= 1000000);
  return total == joined ? 0 : 1;
}
