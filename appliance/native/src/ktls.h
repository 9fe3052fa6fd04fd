/* kTLS detection (ktls.c), exported by the addon as ktlsProbe(). */
#ifndef FERRY_KTLS_H
#define FERRY_KTLS_H

#include <node_api.h>

napi_value ferry_ktls_probe(napi_env env, napi_callback_info info);

#endif
