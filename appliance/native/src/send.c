/* Moving a transfer's bytes: shared by the worker threads and the inline fast path. */
#include <errno.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include "internal.h"

int ferry_send_some(transfer *t, uint64_t budget, uint64_t *sent_out, int *err) {
  uint64_t sent = 0;
  int result = FERRY_SEND_AGAIN;
  while (t->cur < t->nparts && budget > 0) {
    part *p = &t->parts[t->cur];
    uint64_t left = p->length - t->pos;
    if (left == 0) {
      t->cur++;
      t->pos = 0;
      continue;
    }
    size_t chunk = (size_t)(left < budget ? left : budget);
    ssize_t n;
    if (p->data != NULL) {
      /* MSG_MORE lets a small header-like part share a segment with the file data after it. */
      int more = t->cur + 1 < t->nparts ? MSG_MORE : 0;
      n = send(t->sock, p->data + t->pos, chunk, MSG_NOSIGNAL | MSG_DONTWAIT | more);
    } else {
      off_t off = (off_t)(p->offset + t->pos);
      n = sendfile(t->sock, t->file, &off, chunk);
      if (n == 0) {
        result = FERRY_SEND_SHORT;
        goto out;
      }
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        *err = errno;
        result = FERRY_SEND_ERROR;
      }
      goto out;
    }
    t->pos += (uint64_t)n;
    t->done.bytes += (uint64_t)n;
    sent += (uint64_t)n;
    budget -= (uint64_t)n;
  }
  if (t->cur == t->nparts) result = FERRY_SEND_DONE;
out:
  *sent_out = sent;
  return result;
}
