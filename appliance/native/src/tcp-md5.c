/* TCP MD5 signatures (RFC 2385) for BGP sessions: linux's TCP_MD5SIG socket option.
 *
 *   tcpMd5SetKey(fd, address, key)  sets (or, with an empty key, removes) the key for one
 *       peer address on a socket: a listener signs and checks the connections it accepts
 *       from that address, a connected socket its own segments.
 *   tcpMd5Socket(address, key, localAddress) -> fd: a new non-blocking, unconnected TCP
 *       socket of the address's family with the key already set (and bound to localAddress
 *       when it is not empty), for an outgoing connection: the key must be in place before
 *       connect(), or the SYN goes out unsigned and the peer drops it.
 *
 * Addresses come as text (IPv4 or IPv6, checked by the caller); an IPv4 peer of an IPv6
 * socket is given as its IPv4-mapped address, as the kernel sees it there. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>

#include "napi-errors.h"
#include "tcp-md5.h"

#define ADDR_TEXT 64

/* Text address to a sockaddr of `family` (AF_INET6 takes IPv4 text as IPv4-mapped). */
static int parse_addr(const char *text, int family, struct sockaddr_storage *out, socklen_t *len) {
  memset(out, 0, sizeof(*out));
  if (family == AF_INET) {
    struct sockaddr_in *sin = (struct sockaddr_in *)out;
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, text, &sin->sin_addr) != 1) return -1;
    *len = sizeof(*sin);
    return 0;
  }
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
  sin6->sin6_family = AF_INET6;
  if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
    *len = sizeof(*sin6);
    return 0;
  }
  struct in_addr v4;
  if (inet_pton(AF_INET, text, &v4) != 1) return -1;
  sin6->sin6_addr.s6_addr[10] = 0xff;
  sin6->sin6_addr.s6_addr[11] = 0xff;
  memcpy(&sin6->sin6_addr.s6_addr[12], &v4, 4);
  *len = sizeof(*sin6);
  return 0;
}

static int family_of_text(const char *text) {
  struct in6_addr a6;
  return inet_pton(AF_INET6, text, &a6) == 1 ? AF_INET6 : AF_INET;
}

static int set_key(int fd, int family, const char *peer, const void *key, size_t keylen) {
  struct tcp_md5sig sig;
  memset(&sig, 0, sizeof(sig));
  socklen_t len;
  if (parse_addr(peer, family, (struct sockaddr_storage *)&sig.tcpm_addr, &len) != 0) return EINVAL;
  if (keylen > TCP_MD5SIG_MAXKEYLEN) return EINVAL;
  sig.tcpm_keylen = (unsigned short)keylen;
  memcpy(sig.tcpm_key, key, keylen);
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)) != 0) return errno;
  return 0;
}

static int get_text(napi_env env, napi_value v, char *buf, size_t size) {
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, buf, size, &n) != napi_ok || n + 1 >= size) return -1;
  return 0;
}

/* tcpMd5SetKey(fd, address, key: Buffer) */
static napi_value md5_set_key(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_type_error(env, NULL, "tcpMd5SetKey(fd, address, key)");
    return NULL;
  }
  int32_t fd;
  char peer[ADDR_TEXT];
  void *key = NULL;
  size_t keylen = 0;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || get_text(env, argv[1], peer, sizeof(peer)) != 0 ||
      napi_get_buffer_info(env, argv[2], &key, &keylen) != napi_ok) {
    napi_throw_type_error(env, NULL, "tcpMd5SetKey(fd: number, address: string, key: Buffer)");
    return NULL;
  }
  int domain = 0;
  socklen_t dlen = sizeof(domain);
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) != 0) return ferry_throw_errno(env, "SO_DOMAIN", errno);
  int err = set_key(fd, domain, peer, key, keylen);
  if (err != 0) return ferry_throw_errno(env, "setsockopt(TCP_MD5SIG)", err);
  return NULL;
}

/* tcpMd5Socket(address, key: Buffer, localAddress) -> fd */
static napi_value md5_socket(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char peer[ADDR_TEXT], local[ADDR_TEXT];
  void *key = NULL;
  size_t keylen = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 ||
      get_text(env, argv[0], peer, sizeof(peer)) != 0 || napi_get_buffer_info(env, argv[1], &key, &keylen) != napi_ok ||
      get_text(env, argv[2], local, sizeof(local)) != 0) {
    napi_throw_type_error(env, NULL, "tcpMd5Socket(address: string, key: Buffer, localAddress: string)");
    return NULL;
  }
  int family = family_of_text(peer);
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ferry_throw_errno(env, "socket", errno);
  int err = set_key(fd, family, peer, key, keylen);
  if (err == 0 && local[0] != '\0') {
    struct sockaddr_storage sa;
    socklen_t len;
    if (parse_addr(local, family, &sa, &len) != 0) err = EINVAL;
    else if (bind(fd, (struct sockaddr *)&sa, len) != 0) err = errno;
  }
  if (err != 0) {
    close(fd);
    return ferry_throw_errno(env, "TCP MD5 socket", err);
  }
  napi_value out;
  if (napi_create_int32(env, fd, &out) != napi_ok) {
    close(fd);
    napi_throw_error(env, NULL, "N-API call failed");
    return NULL;
  }
  return out;
}

void ferry_tcp_md5_export(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"tcpMd5SetKey", NULL, md5_set_key, NULL, NULL, NULL, napi_default, NULL},
      {"tcpMd5Socket", NULL, md5_socket, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
