/* TCP MD5 signatures (RFC 2385): the addon's tcpMd5SetKey and tcpMd5Socket (tcp-md5.c). */
#ifndef FERRY_TCP_MD5_H
#define FERRY_TCP_MD5_H

#include <node_api.h>

void ferry_tcp_md5_export(napi_env env, napi_value exports);

#endif
