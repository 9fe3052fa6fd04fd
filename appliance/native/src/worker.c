/* One worker thread: an epoll set of client sockets, each with one transfer in flight.
 * Sockets are level-triggered for EPOLLOUT: a transfer that used its turn budget while the
 * socket was still writable is simply reported again by the next epoll_wait, which keeps
 * many fast clients fair without a separate ready list. A socket whose client does not read
 * stays out of the ready set until the kernel has room (per-socket backpressure). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* Bytes one transfer may send per turn before the worker moves to the next ready socket. */
#define TURN_BUDGET (2u * 1024u * 1024u)
#define MAX_EVENTS 256

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ferry_worker_init(worker *w, ferry_engine *e) {
  w->eng = e;
  w->ep = epoll_create1(EPOLL_CLOEXEC);
  if (w->ep < 0) return errno;
  w->ev = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (w->ev < 0) {
    int rc = errno;
    close(w->ep);
    return rc;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->ev, &ev) != 0) {
    int rc = errno;
    close(w->ev);
    close(w->ep);
    return rc;
  }
  pthread_mutex_init(&w->mu, NULL);
  return 0;
}

void ferry_worker_wake(worker *w) {
  uint64_t one = 1;
  /* EAGAIN means the counter is already non-zero: the worker is being woken anyway. */
  ssize_t n = write(w->ev, &one, sizeof(one));
  (void)n;
}

static void track(worker *w, transfer *t) {
  t->next = w->active;
  t->prev = NULL;
  if (w->active != NULL) w->active->prev = t;
  w->active = t;
  size_t b = t->done.id % FERRY_BUCKETS;
  t->hnext = w->buckets[b];
  w->buckets[b] = t;
}

static void untrack(worker *w, transfer *t) {
  if (t->prev != NULL) {
    t->prev->next = t->next;
  } else {
    w->active = t->next;
  }
  if (t->next != NULL) t->next->prev = t->prev;
  transfer **link = &w->buckets[t->done.id % FERRY_BUCKETS];
  while (*link != NULL && *link != t) link = &(*link)->hnext;
  if (*link == t) *link = t->hnext;
}

static transfer *lookup(worker *w, uint64_t id) {
  transfer *t = w->buckets[id % FERRY_BUCKETS];
  while (t != NULL && t->done.id != id) t = t->hnext;
  return t;
}

/* Ends a transfer: leaves epoll before closing the dup (epoll keys registrations by open
 * file description, which node's descriptor keeps alive), closes both fds, reports. */
static void finish(worker *w, transfer *t, int status, int err) {
  if (t->registered) {
    epoll_ctl(w->ep, EPOLL_CTL_DEL, t->sock, NULL);
    untrack(w, t);
  }
  close(t->sock);
  if (t->file >= 0) close(t->file);
  t->done.status = status;
  t->done.err = err;
  ferry_engine_report(w->eng, t);
}

/* One turn of a transfer: at most TURN_BUDGET bytes so many fast clients share a worker.
 * Returns 1 when the transfer has ended (and t must not be touched again). */
static int pump(worker *w, transfer *t) {
  uint64_t sent = 0;
  int err = 0;
  int r = ferry_send_some(t, TURN_BUDGET, &sent, &err);
  if (sent > 0) {
    t->last_ms = now_ms();
    ferry_engine_add_bytes(w->eng, sent);
  }
  switch (r) {
    case FERRY_SEND_DONE: finish(w, t, FERRY_OK, 0); return 1;
    case FERRY_SEND_SHORT: finish(w, t, FERRY_SHORT_FILE, 0); return 1;
    case FERRY_SEND_ERROR: finish(w, t, FERRY_ERROR, err); return 1;
    default: return 0;
  }
}

/* Runs on the worker so a cold disk or slow metadata lookup never blocks the JS thread. */
static void begin(worker *w, transfer *t) {
  t->last_ms = now_ms();
  for (size_t i = 0; i < t->nparts && t->file < 0; i++) {
    if (t->parts[i].data == NULL) {
      t->file = open(t->path, O_RDONLY | O_CLOEXEC);
      if (t->file < 0) {
        finish(w, t, FERRY_OPEN_FAILED, errno);
        return;
      }
      break;
    }
  }
  /* A fresh socket is almost always writable, and most ranges fit its send buffer: try
   * first, and pay for epoll registration only when the socket pushes back. */
  if (pump(w, t)) return;
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = t};
  if (epoll_ctl(w->ep, EPOLL_CTL_ADD, t->sock, &ev) != 0) {
    finish(w, t, FERRY_ERROR, errno);
    return;
  }
  t->registered = 1;
  track(w, t);
}

static void expire(worker *w, int64_t now) {
  transfer *t = w->active;
  while (t != NULL) {
    transfer *next = t->next;
    if (now - t->last_ms >= w->eng->idle_ms) finish(w, t, FERRY_TIMEOUT, 0);
    t = next;
  }
}

/* Takes the inbox and abort list under the lock; returns whether to stop. */
static int take_requests(worker *w, transfer **inbox, uint64_t **aborts, size_t *naborts) {
  pthread_mutex_lock(&w->mu);
  *inbox = w->inbox_head;
  w->inbox_head = w->inbox_tail = NULL;
  *aborts = w->aborts;
  *naborts = w->naborts;
  w->aborts = NULL;
  w->naborts = w->cap_aborts = 0;
  int stop = w->stop;
  pthread_mutex_unlock(&w->mu);
  return stop;
}

static void *run(void *arg) {
  worker *w = arg;
  struct epoll_event events[MAX_EVENTS];
  int idle_ms = w->eng->idle_ms;
  int scan_ms = idle_ms / 4 < 5 ? 5 : (idle_ms / 4 > 1000 ? 1000 : idle_ms / 4);
  int64_t next_scan = now_ms() + scan_ms;
  for (;;) {
    int n = epoll_wait(w->ep, events, MAX_EVENTS, scan_ms);
    for (int i = 0; i < n; i++) {
      transfer *t = events[i].data.ptr;
      if (t == NULL) {
        uint64_t count;
        ssize_t r = read(w->ev, &count, sizeof(count));
        (void)r;
      } else {
        /* EPOLLERR/EPOLLHUP land here too; the write then fails with the socket's error. */
        pump(w, t);
      }
    }
    transfer *inbox;
    uint64_t *aborts;
    size_t naborts;
    int stop = take_requests(w, &inbox, &aborts, &naborts);
    while (inbox != NULL) {
      transfer *next = inbox->qnext;
      if (stop) {
        finish(w, inbox, FERRY_ABORTED, 0);
      } else {
        begin(w, inbox);
      }
      inbox = next;
    }
    for (size_t i = 0; i < naborts; i++) {
      transfer *t = lookup(w, aborts[i]);
      if (t != NULL) finish(w, t, FERRY_ABORTED, 0);
    }
    free(aborts);
    if (stop) {
      while (w->active != NULL) finish(w, w->active, FERRY_ABORTED, 0);
      return NULL;
    }
    int64_t now = now_ms();
    if (now >= next_scan) {
      expire(w, now);
      next_scan = now + scan_ms;
    }
  }
}

int ferry_worker_start(worker *w) {
  int rc = pthread_create(&w->thread, NULL, run, w);
  if (rc == 0) w->started = 1;
  return rc;
}

void ferry_worker_join(worker *w) {
  if (!w->started) return;
  pthread_join(w->thread, NULL);
  w->started = 0;
}

void ferry_worker_close(worker *w) {
  close(w->ev);
  close(w->ep);
  free(w->aborts);
  transfer *t = w->inbox_head;
  while (t != NULL) {
    transfer *next = t->qnext;
    close(t->sock);
    free(t);
    t = next;
  }
  pthread_mutex_destroy(&w->mu);
}
