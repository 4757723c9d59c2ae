{
  "variables": {
    # The libbt build tree: ../../build unless LIBBT_BUILD_DIR says otherwise (ctest sets it).
    "libbt_lib_dir": "<!(node -p \"require('path').resolve(process.env.LIBBT_BUILD_DIR || '../../build', 'lib')\")"
  },
  "targets": [
    {
      "target_name": "addon",
      "sources": [
        "src/addon.c",
        "src/alerts.c",
        "src/create.c",
        "src/dht.c",
        "src/session.c",
        "src/settings.c",
        "src/torrent.c",
        "src/util.c"
      ],
      "include_dirs": ["../../include"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-D_GNU_SOURCE"],
      "libraries": [
        "-L<(libbt_lib_dir)",
        "-lbt",
        "-Wl,-rpath,'$$ORIGIN/../../../../build/lib'"
      ]
    }
  ]
}
