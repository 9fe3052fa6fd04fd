/* kTLS detection: whether this kernel offers the "tls" upper-layer protocol, the first
 * thing kernel TLS needs (setsockopt(TCP_ULP, "tls") on a connected TCP socket; only then
 * can TLS_TX keys be installed and sendfile stay zero-copy under encryption). The probe
 * connects a loopback socket pair, asks for the ULP on one end and reports the errno
 * (0: offered). It installs no keys: nothing is sent on the pair, both ends are closed. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>

#include "ktls.h"

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

/* Returns 0 when the ULP attached, else a positive errno; *stage names the step that failed. */
static int probe(const char **stage) {
  int lfd = -1, cfd = -1, afd = -1, err = 0;
  struct sockaddr_in addr;
  socklen_t len = sizeof(addr);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;

  *stage = "socket";
  lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) goto fail;
  *stage = "bind";
  if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0) goto fail;
  *stage = "listen";
  if (listen(lfd, 1) != 0) goto fail;
  *stage = "getsockname";
  if (getsockname(lfd, (struct sockaddr *)&addr, &len) != 0) goto fail;
  *stage = "socket";
  cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (cfd < 0) goto fail;
  /* Loopback connect completes against the backlog without an accept in between. */
  *stage = "connect";
  if (connect(cfd, (struct sockaddr *)&addr, sizeof(addr)) != 0) goto fail;
  *stage = "accept";
  afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  if (afd < 0) goto fail;
  *stage = "setsockopt(TCP_ULP)";
  if (setsockopt(afd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")) != 0) goto fail;
  *stage = "";
  goto done;
fail:
  err = errno != 0 ? errno : EIO;
done:
  if (afd >= 0) close(afd);
  if (cfd >= 0) close(cfd);
  if (lfd >= 0) close(lfd);
  return err;
}

/* ktlsProbe() -> { errno: number, stage: string } */
napi_value ferry_ktls_probe(napi_env env, napi_callback_info info) {
  (void)info;
  const char *stage = "";
  int err = probe(&stage);
  napi_value result, num, text;
  if (napi_create_object(env, &result) != napi_ok || napi_create_int32(env, err, &num) != napi_ok ||
      napi_create_string_utf8(env, stage, NAPI_AUTO_LENGTH, &text) != napi_ok ||
      napi_set_named_property(env, result, "errno", num) != napi_ok ||
      napi_set_named_property(env, result, "stage", text) != napi_ok) {
    napi_throw_error(env, NULL, "N-API call failed");
    return NULL;
  }
  return result;
}
