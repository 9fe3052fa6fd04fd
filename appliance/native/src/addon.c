/* N-API layer over the engine. Kept thin on purpose: binding.ts checks every argument
 * before calling in, and these functions only convert values and report N-API failures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <node_api.h>

#include "engine.h"
#include "ktls.h"
#include "napi-errors.h"
#include "tcp-md5.h"

#define MAX_PATH_BYTES 4096

typedef struct addon {
  ferry_engine *engine;
  napi_threadsafe_function tsfn;
  napi_env env;
  int closed;
  int refs;            /* the JS handle and the tsfn each hold one */
  uint64_t outstanding; /* submitted minus delivered, JS thread only */
} addon;

static void addon_unref(addon *a) {
  if (--a->refs == 0) free(a);
}

/* napi-errors.h: one errno-carrying Error for every native function of the addon. */
napi_value ferry_throw_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
  napi_value text, error, num;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) == napi_ok &&
      napi_create_error(env, NULL, text, &error) == napi_ok && napi_create_int32(env, err, &num) == napi_ok) {
    napi_set_named_property(env, error, "errno", num);
    napi_throw(env, error);
  } else {
    napi_throw_error(env, NULL, msg);
  }
  return NULL;
}

#define CHECK(call)                                   \
  do {                                                \
    if ((call) != napi_ok) {                          \
      napi_throw_error(env, NULL, "N-API call failed"); \
      return NULL;                                    \
    }                                                 \
  } while (0)

static void deliver(napi_env env, addon *a, napi_value cb) {
  ferry_done *d = ferry_engine_take_done(a->engine);
  napi_value global;
  napi_get_global(env, &global);
  while (d != NULL) {
    ferry_done *next = d->next;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value argv[4];
    napi_create_double(env, (double)d->id, &argv[0]);
    napi_create_int32(env, d->status, &argv[1]);
    napi_create_double(env, (double)d->bytes, &argv[2]);
    napi_create_int32(env, d->err, &argv[3]);
    if (napi_call_function(env, global, cb, 4, argv, NULL) == napi_pending_exception) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      napi_fatal_exception(env, exc);
    }
    napi_close_handle_scope(env, scope);
    ferry_done_free(d);
    if (a->outstanding > 0 && --a->outstanding == 0 && !a->closed) {
      /* Idle: let the process exit even though the engine's threads still exist. */
      napi_unref_threadsafe_function(env, a->tsfn);
    }
    d = next;
  }
}

static void call_js(napi_env env, napi_value cb, void *context, void *data) {
  (void)data;
  /* env is NULL while the tsfn is torn down; the addon may be gone by then. */
  if (env == NULL || cb == NULL) return;
  addon *a = context;
  if (a->closed) return;
  deliver(env, a, cb);
}

static void notify(void *ctx) {
  addon *a = ctx;
  napi_call_threadsafe_function(a->tsfn, NULL, napi_tsfn_nonblocking);
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  addon_unref(data);
}

/* Stops the threads and lets go of the tsfn; used by close(), GC and env teardown. */
static void shutdown_engine(addon *a) {
  if (a->closed) return;
  ferry_engine_stop(a->engine);
  a->closed = 1;
  napi_release_threadsafe_function(a->tsfn, napi_tsfn_abort);
}

static void cleanup_hook(void *arg) { shutdown_engine(arg); }

static void handle_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  addon *a = data;
  napi_remove_env_cleanup_hook(env, cleanup_hook, a);
  shutdown_engine(a);
  ferry_engine_destroy(a->engine);
  a->engine = NULL;
  addon_unref(a);
}

static addon *get_addon(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "expected an engine handle");
    return NULL;
  }
  return p;
}

/* create(threads, idleMs, onDone(id, status, bytes, errno)) -> handle */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t threads, idle_ms;
  CHECK(napi_get_value_int32(env, argv[0], &threads));
  CHECK(napi_get_value_int32(env, argv[1], &idle_ms));
  addon *a = calloc(1, sizeof(*a));
  if (a == NULL) return ferry_throw_errno(env, "create", ENOMEM);
  a->env = env;
  a->refs = 2;
  napi_value name;
  CHECK(napi_create_string_utf8(env, "ferry_sendfile_done", NAPI_AUTO_LENGTH, &name));
  if (napi_create_threadsafe_function(env, argv[2], NULL, name, 0, 1, a, tsfn_finalize, a, call_js,
                                      &a->tsfn) != napi_ok) {
    free(a);
    napi_throw_error(env, NULL, "could not create the completion callback");
    return NULL;
  }
  napi_unref_threadsafe_function(env, a->tsfn);
  int err = 0;
  a->engine = ferry_engine_create(threads, idle_ms, notify, a, &err);
  if (a->engine == NULL) {
    a->closed = 1;
    napi_release_threadsafe_function(a->tsfn, napi_tsfn_abort);
    addon_unref(a);
    return ferry_throw_errno(env, "starting sendfile workers", err);
  }
  napi_add_env_cleanup_hook(env, cleanup_hook, a);
  napi_value handle;
  CHECK(napi_create_external(env, a, handle_finalize, NULL, &handle));
  return handle;
}

static int read_part(napi_env env, napi_value item, ferry_part_in *out) {
  bool is_buffer = false;
  napi_is_buffer(env, item, &is_buffer);
  if (is_buffer) {
    void *data;
    size_t len;
    if (napi_get_buffer_info(env, item, &data, &len) != napi_ok) return -1;
    /* A zero-length part still needs a non-NULL pointer to count as a bytes part. */
    out->data = len > 0 ? data : (const void *)"";
    out->length = len;
    return 0;
  }
  napi_value v;
  double offset, length;
  if (napi_get_element(env, item, 0, &v) != napi_ok || napi_get_value_double(env, v, &offset) != napi_ok)
    return -1;
  if (napi_get_element(env, item, 1, &v) != napi_ok || napi_get_value_double(env, v, &length) != napi_ok)
    return -1;
  if (offset < 0 || length < 0) return -1;
  out->data = NULL;
  out->offset = (uint64_t)offset;
  out->length = (uint64_t)length;
  return 0;
}

/* submit(handle, fd, path, parts: Array<Buffer | [offset, length]>) -> id */
static napi_value submit(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  addon *a = get_addon(env, argv[0]);
  if (a == NULL) return NULL;
  if (a->closed) return ferry_throw_errno(env, "submit", ESHUTDOWN);
  int32_t fd;
  CHECK(napi_get_value_int32(env, argv[1], &fd));
  char path[MAX_PATH_BYTES];
  size_t path_len;
  CHECK(napi_get_value_string_utf8(env, argv[2], path, sizeof(path), &path_len));
  if (path_len >= sizeof(path) - 1) return ferry_throw_errno(env, "submit", ENAMETOOLONG);
  uint32_t nparts;
  CHECK(napi_get_array_length(env, argv[3], &nparts));
  ferry_part_in *parts = calloc(nparts > 0 ? nparts : 1, sizeof(*parts));
  if (parts == NULL) return ferry_throw_errno(env, "submit", ENOMEM);
  for (uint32_t i = 0; i < nparts; i++) {
    napi_value item;
    if (napi_get_element(env, argv[3], i, &item) != napi_ok || read_part(env, item, &parts[i]) != 0) {
      free(parts);
      napi_throw_type_error(env, NULL, "parts must be Buffers or [offset, length] pairs");
      return NULL;
    }
  }
  uint64_t id = 0;
  uint64_t inline_bytes = 0;
  int rc = ferry_engine_submit(a->engine, fd, path, parts, nparts, &id, &inline_bytes);
  free(parts);
  if (rc != 0) return ferry_throw_errno(env, "submit", rc);
  napi_value result;
  if (id == 0) {
    /* Sent inline and complete: -(bytes + 1), so 0 bytes stays distinguishable from an id. */
    CHECK(napi_create_double(env, -((double)inline_bytes + 1), &result));
    return result;
  }
  if (a->outstanding++ == 0) napi_ref_threadsafe_function(env, a->tsfn);
  CHECK(napi_create_double(env, (double)id, &result));
  return result;
}

static napi_value abort_transfer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  addon *a = get_addon(env, argv[0]);
  if (a == NULL) return NULL;
  double id;
  CHECK(napi_get_value_double(env, argv[1], &id));
  if (!a->closed && id >= 1) ferry_engine_abort(a->engine, (uint64_t)id);
  return NULL;
}

static void set_number(napi_env env, napi_value obj, const char *key, uint64_t v) {
  napi_value n;
  napi_create_double(env, (double)v, &n);
  napi_set_named_property(env, obj, key, n);
}

static napi_value stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  addon *a = get_addon(env, argv[0]);
  if (a == NULL) return NULL;
  ferry_stats s;
  ferry_engine_stats(a->engine, &s);
  napi_value obj;
  CHECK(napi_create_object(env, &obj));
  set_number(env, obj, "submitted", s.submitted);
  set_number(env, obj, "active", s.active);
  set_number(env, obj, "completed", s.completed);
  set_number(env, obj, "failed", s.failed);
  set_number(env, obj, "aborted", s.aborted);
  set_number(env, obj, "timedOut", s.timed_out);
  set_number(env, obj, "bytes", s.bytes);
  return obj;
}

/* close(handle, onDone): joins the workers, then hands every outcome not yet delivered
 * (including the in-flight transfers, now ABORTED) to onDone before returning. */
static napi_value close_engine(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  addon *a = get_addon(env, argv[0]);
  if (a == NULL || a->closed) return NULL;
  napi_remove_env_cleanup_hook(env, cleanup_hook, a);
  ferry_engine_stop(a->engine);
  deliver(env, a, argv[1]);
  shutdown_engine(a);
  return NULL;
}

/* readCached(fd, buffer, at, length, position) -> bytes read, or -1 when a page of the range
 * is not in the page cache (or the file system cannot say): preadv2 with RWF_NOWAIT never
 * waits on a disk, so small bodies can be read on the JS thread (sendfile/small-body.ts).
 * Other failures throw an Error with errno. */
static napi_value read_cached(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  void *data;
  size_t cap;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &cap));
  double at, length, position;
  CHECK(napi_get_value_double(env, argv[2], &at));
  CHECK(napi_get_value_double(env, argv[3], &length));
  CHECK(napi_get_value_double(env, argv[4], &position));
  if (at < 0 || length < 0 || position < 0 || at + length > (double)cap) return ferry_throw_errno(env, "readCached", EINVAL);
  struct iovec iov = {.iov_base = (char *)data + (size_t)at, .iov_len = (size_t)length};
  ssize_t n = preadv2(fd, &iov, 1, (off_t)position, RWF_NOWAIT);
  if (n < 0 && errno != EAGAIN && errno != EOPNOTSUPP && errno != EINTR) return ferry_throw_errno(env, "readCached", errno);
  napi_value result;
  CHECK(napi_create_double(env, n < 0 ? -1 : (double)n, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"submit", NULL, submit, NULL, NULL, NULL, napi_default, NULL},
      {"abort", NULL, abort_transfer, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, stats, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_engine, NULL, NULL, NULL, napi_default, NULL},
      {"ktlsProbe", NULL, ferry_ktls_probe, NULL, NULL, NULL, napi_default, NULL},
      {"readCached", NULL, read_cached, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  ferry_tcp_md5_export(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
