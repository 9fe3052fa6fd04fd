/*
 * The inline fast path: a small transfer whose bytes are all in the page cache is sent on
 * the submitting (JS) thread, saving the hand-off to a worker and the completion
 * round-trip — two thread switches per request, which dominate small ranges. It runs only
 * when nothing can block: the path resolves from the dentry cache alone (openat2 with
 * RESOLVE_CACHED) and cachestat(2) finds every page of every file range cached. Anything
 * else — a cold page, a full socket buffer, an error — hands the transfer, with whatever
 * progress it made, to a worker as usual.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif

/* struct cachestat_range and struct cachestat (Linux 6.5, include/uapi/linux/mman.h). */
struct ferry_cachestat_range {
  uint64_t off;
  uint64_t len;
};
struct ferry_cachestat {
  uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

#define PAGE 4096u

/* Set once the kernel lacks openat2 or cachestat: the fast path is then never tried. */
static int unsupported;

static int open_cached(const char *path) {
  struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_CACHED};
  long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
  if (fd < 0 && (errno == ENOSYS || errno == E2BIG)) __atomic_store_n(&unsupported, 1, __ATOMIC_RELAXED);
  return (int)fd;
}

static int range_cached(int fd, uint64_t off, uint64_t len) {
  if (len == 0) return 1;
  struct ferry_cachestat_range r = {.off = off, .len = len};
  struct ferry_cachestat cs;
  if (syscall(SYS_cachestat, fd, &r, &cs, 0) != 0) {
    if (errno == ENOSYS) __atomic_store_n(&unsupported, 1, __ATOMIC_RELAXED);
    return 0;
  }
  uint64_t pages = (off + len + PAGE - 1) / PAGE - off / PAGE;
  return cs.nr_cache >= pages;
}

int ferry_try_inline(transfer *t, uint64_t max_bytes, uint64_t *sent_out) {
  *sent_out = 0;
  if (__atomic_load_n(&unsupported, __ATOMIC_RELAXED)) return 0;
  uint64_t file_bytes = 0;
  for (size_t i = 0; i < t->nparts; i++) {
    if (t->parts[i].data == NULL) file_bytes += t->parts[i].length;
  }
  if (file_bytes > max_bytes) return 0;
  if (file_bytes > 0) {
    int fd = open_cached(t->path);
    if (fd < 0) return 0;
    t->file = fd;
    for (size_t i = 0; i < t->nparts; i++) {
      if (t->parts[i].data == NULL && !range_cached(fd, t->parts[i].offset, t->parts[i].length)) return 0;
    }
  }
  int err = 0;
  int r = ferry_send_some(t, max_bytes + (64u << 10), sent_out, &err);
  if (r != FERRY_SEND_DONE) return 0;
  close(t->sock);
  if (t->file >= 0) close(t->file);
  return 1;
}
