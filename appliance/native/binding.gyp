{
  "targets": [
    {
      "target_name": "ferry_sendfile",
      "sources": ["src/addon.c", "src/engine.c", "src/worker.c", "src/send.c", "src/inline.c", "src/ktls.c", "src/tcp-md5.c"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags_c": ["-std=gnu11"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "cflags!": ["-O3"],
      "ldflags": ["-pthread"]
    }
  ]
}
