{
  "targets": [
    {
      "target_name": "addon",
      "sources": [
        "src/addon.c",
        "src/alerts.c",
        "src/create.c",
        "src/session.c",
        "src/settings.c",
        "src/torrent.c",
        "src/util.c"
      ],
      "include_dirs": ["../../include"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-D_GNU_SOURCE"],
      "libraries": [
        "-L<(module_root_dir)/../../build/lib",
        "-lbt",
        "-Wl,-rpath,'$$ORIGIN/../../../../build/lib'"
      ]
    }
  ]
}
