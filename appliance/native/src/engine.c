/* Submission, completion and stats: everything the JS thread calls. The I/O loop is in
 * worker.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define ADD(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)
#define LOAD(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

ferry_engine *ferry_engine_create(int threads, int idle_ms, ferry_notify_fn notify, void *ctx, int *err) {
  ferry_engine *e = calloc(1, sizeof(*e));
  if (e == NULL) {
    *err = ENOMEM;
    return NULL;
  }
  e->workers = calloc((size_t)threads, sizeof(worker));
  if (e->workers == NULL) {
    free(e);
    *err = ENOMEM;
    return NULL;
  }
  e->idle_ms = idle_ms;
  e->next_id = 1;
  e->notify = notify;
  e->ctx = ctx;
  pthread_mutex_init(&e->done_mu, NULL);
  for (int i = 0; i < threads; i++) {
    int rc = ferry_worker_init(&e->workers[i], e);
    if (rc == 0) {
      e->nworkers = i + 1;
      rc = ferry_worker_start(&e->workers[i]);
    }
    if (rc != 0) {
      ferry_engine_destroy(e);
      *err = rc;
      return NULL;
    }
  }
  return e;
}

int ferry_engine_submit(ferry_engine *e, int sock_fd, const char *path, const ferry_part_in *parts,
                        size_t nparts, uint64_t *id_out, uint64_t *inline_bytes) {
  if (e->stopped) return ESHUTDOWN;
  /* One allocation holds the transfer, its parts, the copied bytes and the path, so the
   * transfer is freed in one place whatever way it ends. */
  size_t path_len = strlen(path) + 1;
  size_t bytes_len = 0;
  for (size_t i = 0; i < nparts; i++) {
    if (parts[i].data != NULL) bytes_len += parts[i].length;
  }
  size_t size = sizeof(transfer) + nparts * sizeof(part) + bytes_len + path_len;
  transfer *t = calloc(1, size);
  if (t == NULL) return ENOMEM;
  t->parts = (part *)(t + 1);
  char *cursor = (char *)(t->parts + nparts);
  for (size_t i = 0; i < nparts; i++) {
    t->parts[i].offset = parts[i].offset;
    t->parts[i].length = parts[i].length;
    if (parts[i].data != NULL) {
      memcpy(cursor, parts[i].data, parts[i].length);
      t->parts[i].data = cursor;
      cursor += parts[i].length;
    }
  }
  memcpy(cursor, path, path_len);
  t->path = cursor;
  t->nparts = nparts;
  t->file = -1;
  /* The caller's descriptor belongs to node and may be closed (and its number reused) at
   * any time after this call returns; the dup keeps the socket itself alive for us. */
  t->sock = fcntl(sock_fd, F_DUPFD_CLOEXEC, 0);
  if (t->sock < 0) {
    int rc = errno;
    free(t);
    return rc;
  }
  uint64_t id = __atomic_fetch_add(&e->next_id, 1, __ATOMIC_RELAXED);
  t->done.id = id;
  ADD(e->submitted, 1);
  uint64_t sent = 0;
  int done_inline = ferry_try_inline(t, FERRY_INLINE_MAX, &sent);
  if (sent > 0) ADD(e->bytes, sent);
  if (done_inline) {
    ADD(e->completed, 1);
    ADD(e->finished, 1);
    *inline_bytes = t->done.bytes;
    *id_out = 0;
    free(t);
    return 0;
  }
  worker *w = &e->workers[id % (uint64_t)e->nworkers];
  pthread_mutex_lock(&w->mu);
  int was_empty = w->inbox_head == NULL;
  if (w->inbox_tail != NULL) {
    w->inbox_tail->qnext = t;
  } else {
    w->inbox_head = t;
  }
  w->inbox_tail = t;
  pthread_mutex_unlock(&w->mu);
  /* One wake-up per batch: a non-empty inbox means a wake-up is already on its way and
   * the worker takes the whole inbox at once (a syscall and a thread switch saved per
   * request under load). */
  if (was_empty) ferry_worker_wake(w);
  *id_out = id;
  return 0;
}

void ferry_engine_abort(ferry_engine *e, uint64_t id) {
  if (e->stopped || id == 0) return;
  worker *w = &e->workers[id % (uint64_t)e->nworkers];
  pthread_mutex_lock(&w->mu);
  if (w->naborts == w->cap_aborts) {
    size_t cap = w->cap_aborts ? w->cap_aborts * 2 : 64;
    uint64_t *grown = realloc(w->aborts, cap * sizeof(uint64_t));
    if (grown == NULL) {
      /* The transfer still ends: the socket close that led to this abort makes the next
       * write fail, or the idle timeout fires. */
      pthread_mutex_unlock(&w->mu);
      return;
    }
    w->aborts = grown;
    w->cap_aborts = cap;
  }
  w->aborts[w->naborts++] = id;
  pthread_mutex_unlock(&w->mu);
  ferry_worker_wake(w);
}

void ferry_engine_report(ferry_engine *e, transfer *t) {
  switch (t->done.status) {
    case FERRY_OK: ADD(e->completed, 1); break;
    case FERRY_ABORTED: ADD(e->aborted, 1); break;
    case FERRY_TIMEOUT: ADD(e->timed_out, 1); break;
    default: ADD(e->failed, 1); break;
  }
  ADD(e->finished, 1);
  t->done.next = NULL;
  pthread_mutex_lock(&e->done_mu);
  int was_empty = e->done_head == NULL;
  if (was_empty) {
    e->done_head = &t->done;
  } else {
    e->done_tail->next = &t->done;
  }
  e->done_tail = &t->done;
  pthread_mutex_unlock(&e->done_mu);
  /* One wake-up per batch: the JS side drains everything queued when it runs. */
  if (was_empty && e->notify != NULL) e->notify(e->ctx);
}

void ferry_engine_add_bytes(ferry_engine *e, uint64_t n) { ADD(e->bytes, n); }

ferry_done *ferry_engine_take_done(ferry_engine *e) {
  pthread_mutex_lock(&e->done_mu);
  ferry_done *head = e->done_head;
  e->done_head = e->done_tail = NULL;
  pthread_mutex_unlock(&e->done_mu);
  return head;
}

void ferry_done_free(ferry_done *d) { free(d); }

void ferry_engine_stats(ferry_engine *e, ferry_stats *out) {
  out->submitted = LOAD(e->submitted);
  uint64_t finished = LOAD(e->finished);
  out->active = out->submitted > finished ? out->submitted - finished : 0;
  out->completed = LOAD(e->completed);
  out->failed = LOAD(e->failed);
  out->aborted = LOAD(e->aborted);
  out->timed_out = LOAD(e->timed_out);
  out->bytes = LOAD(e->bytes);
}

void ferry_engine_stop(ferry_engine *e) {
  if (e->stopped) return;
  e->stopped = 1;
  for (int i = 0; i < e->nworkers; i++) {
    worker *w = &e->workers[i];
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_mutex_unlock(&w->mu);
    ferry_worker_wake(w);
  }
  for (int i = 0; i < e->nworkers; i++) ferry_worker_join(&e->workers[i]);
}

void ferry_engine_destroy(ferry_engine *e) {
  ferry_engine_stop(e);
  for (int i = 0; i < e->nworkers; i++) ferry_worker_close(&e->workers[i]);
  ferry_done *d = ferry_engine_take_done(e);
  while (d != NULL) {
    ferry_done *next = d->next;
    ferry_done_free(d);
    d = next;
  }
  pthread_mutex_destroy(&e->done_mu);
  free(e->workers);
  free(e);
}
