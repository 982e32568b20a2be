{
  "targets": [
    {
      "target_name": "slotproxy",
      "sources": [
        "native/addon.cc",
        "native/buffer_ids.cc",
        "native/command_table.cc",
        "native/crc16.cc",
        "native/reply_scanner.cc",
        "native/request_scanner.cc",
        "native/resp_framer.cc",
        "native/send_batch.cc",
        "native/slab_reads.cc",
        "native/socket_poll.cc",
        "native/socket_write.cc",
        "native/uring.cc"
      ],
      "conditions": [["OS=='win'", { "sources!": ["native/slab_reads.cc", "native/socket_poll.cc", "native/socket_write.cc"] }]],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden", "-Wall", "-Wextra"]
    }
  ]
}
