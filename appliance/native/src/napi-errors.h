/* Errors the addon's functions throw into JavaScript. */
#ifndef FERRY_NAPI_ERRORS_H
#define FERRY_NAPI_ERRORS_H

#include <node_api.h>

/* Throws an Error carrying the errno number (binding.ts turns it into a named code); NULL. */
napi_value ferry_throw_errno(napi_env env, const char *what, int err);

#endif
