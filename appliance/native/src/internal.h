/* Shared between engine.c (submission, completion, stats) and worker.c (the I/O loop). */
#ifndef FERRY_INTERNAL_H
#define FERRY_INTERNAL_H

#include <pthread.h>

#include "engine.h"

#define FERRY_BUCKETS 1024

typedef struct part {
  const char *data; /* NULL for a file part */
  uint64_t offset;
  uint64_t length;
} part;

typedef struct transfer {
  ferry_done done; /* first member: a ferry_done pointer is the transfer pointer */
  int sock;        /* our dup of the client socket */
  int file;        /* -1 until the worker opens it */
  int registered;  /* in the worker's epoll set */
  const char *path;
  part *parts;
  size_t nparts;
  size_t cur;     /* part being sent */
  uint64_t pos;   /* bytes of parts[cur] already sent */
  int64_t last_ms;
  struct transfer *prev, *next; /* worker's active list */
  struct transfer *hnext;       /* worker's id hash chain */
  struct transfer *qnext;       /* worker's inbox */
} transfer;

typedef struct worker {
  struct ferry_engine *eng;
  pthread_t thread;
  int started;
  int ep; /* epoll */
  int ev; /* eventfd: wakes the worker for inbox, aborts and stop */
  pthread_mutex_t mu;
  transfer *inbox_head, *inbox_tail; /* guarded by mu */
  uint64_t *aborts;                  /* guarded by mu */
  size_t naborts, cap_aborts;        /* guarded by mu */
  int stop;                          /* guarded by mu */
  transfer *active;                  /* worker thread only */
  transfer *buckets[FERRY_BUCKETS];  /* worker thread only */
} worker;

struct ferry_engine {
  int nworkers;
  worker *workers;
  int idle_ms;
  uint64_t next_id;
  int stopped;
  pthread_mutex_t done_mu;
  ferry_done *done_head, *done_tail; /* guarded by done_mu */
  ferry_notify_fn notify;
  void *ctx;
  /* counters, updated with __atomic builtins */
  uint64_t submitted, finished, completed, failed, aborted, timed_out, bytes;
};

int ferry_worker_init(worker *w, struct ferry_engine *e);
int ferry_worker_start(worker *w);
void ferry_worker_wake(worker *w);
void ferry_worker_join(worker *w);
void ferry_worker_close(worker *w);

/* ferry_send_some results */
enum { FERRY_SEND_AGAIN = 0, FERRY_SEND_DONE = 1, FERRY_SEND_ERROR = 2, FERRY_SEND_SHORT = 3 };

/* Sends until the socket would block, the body is done, or `budget` bytes went out.
 * Progress is kept in t (cur, pos, done.bytes); *err holds errno for FERRY_SEND_ERROR. */
int ferry_send_some(transfer *t, uint64_t budget, uint64_t *sent_out, int *err);

/* Returns 1 when the whole transfer went out on the calling thread (both fds closed);
 * 0 when a worker must take it (t->file may be open, progress kept). */
int ferry_try_inline(transfer *t, uint64_t max_bytes, uint64_t *sent_out);

/* Called by a worker when a transfer ends: counts it and queues it for the JS thread. */
void ferry_engine_report(struct ferry_engine *e, transfer *t);
void ferry_engine_add_bytes(struct ferry_engine *e, uint64_t n);

#endif
