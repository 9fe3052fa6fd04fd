/*
 * The sendfile engine: a pool of worker threads, each with its own epoll, that move
 * byte ranges from files to sockets without the bytes ever entering JavaScript.
 * This header is plain C (no N-API) so the engine can be reasoned about on its own;
 * addon.c is the thin N-API layer over it.
 */
#ifndef FERRY_ENGINE_H
#define FERRY_ENGINE_H

#include <stddef.h>
#include <stdint.h>

enum ferry_status {
  FERRY_OK = 0,
  FERRY_ERROR = 1,       /* write/sendfile failed; err holds errno (EPIPE, ECONNRESET...) */
  FERRY_TIMEOUT = 2,     /* no progress for idle_ms */
  FERRY_ABORTED = 3,     /* abort() or engine shutdown */
  FERRY_OPEN_FAILED = 4, /* open(2) of the file failed; err holds errno */
  FERRY_SHORT_FILE = 5   /* the file ended before the requested range did */
};

/* A finished transfer. It lives inside the transfer's own allocation, so reporting
 * completion never allocates (and so never fails). */
typedef struct ferry_done {
  struct ferry_done *next;
  uint64_t id;
  uint64_t bytes;
  int status;
  int err;
} ferry_done;

typedef struct ferry_part_in {
  const void *data; /* bytes part: copied at submit; NULL for a file part */
  uint64_t offset;  /* file part only */
  uint64_t length;
} ferry_part_in;

typedef struct ferry_stats {
  uint64_t submitted, active, completed, failed, aborted, timed_out, bytes;
} ferry_stats;

typedef struct ferry_engine ferry_engine;

/* Called on a worker thread when the completion list goes from empty to non-empty. */
typedef void (*ferry_notify_fn)(void *ctx);

/* Returns NULL and sets *err (errno) on failure. */
ferry_engine *ferry_engine_create(int threads, int idle_ms, ferry_notify_fn notify, void *ctx, int *err);

/* Ranges up to this many file bytes may be sent on the submitting thread when they are
 * cached (inline.c). */
#define FERRY_INLINE_MAX (256u * 1024u)

/* Duplicates sock_fd (F_DUPFD_CLOEXEC) before returning, so the engine never writes to a
 * descriptor number the caller may close and the kernel may reuse. Queues the transfer,
 * or sends it at once when it is small and cached: then *id_out is 0 and *inline_bytes
 * holds the bytes sent (the transfer is complete; nothing is reported later).
 * Returns 0 or errno. */
int ferry_engine_submit(ferry_engine *e, int sock_fd, const char *path, const ferry_part_in *parts,
                        size_t nparts, uint64_t *id_out, uint64_t *inline_bytes);

/* Asks the owning worker to stop the transfer; it is reported as FERRY_ABORTED unless it
 * had already finished. Unknown ids are ignored. */
void ferry_engine_abort(ferry_engine *e, uint64_t id);

/* Takes every completion reported so far, oldest first; free each with ferry_done_free. */
ferry_done *ferry_engine_take_done(ferry_engine *e);
void ferry_done_free(ferry_done *d);

void ferry_engine_stats(ferry_engine *e, ferry_stats *out);

/* Stops and joins the workers; transfers still in flight are reported FERRY_ABORTED.
 * Idempotent. */
void ferry_engine_stop(ferry_engine *e);

/* Stops if needed, then frees the engine and any completion not yet taken. */
void ferry_engine_destroy(ferry_engine *e);

#endif
