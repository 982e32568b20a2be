// One reply of each stream the reply harnesses repeat (reply-harness.cc for the scanner, driven by
// run.sh; hiredis-reader.cc for hiredis 1.x's reader, driven by run-hiredis.sh): RESP2 replies of
// the hot path first, then the RESP3 ones Redis 7.0 sends.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

namespace slotproxy_bench {

inline const char* const kStreams[] = {"ok", "int", "get64", "nil", "mget100", "err-moved",
                                       "map10", "set10", "double", "null", "bool", "push", "attrib", "deep10"};

inline std::string Bulk(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }

inline std::string Unit(const std::string& kind) {
  if (kind == "ok") return "+OK\r\n";                                 // SET
  if (kind == "int") return ":1\r\n";                                 // INCR, DEL, EXISTS
  if (kind == "get64") return Bulk(std::string(64, 'x'));             // GET of a 64 B value
  if (kind == "nil") return "$-1\r\n";                                // GET of a missing key
  if (kind == "mget100") {                                            // MGET of 100 keys, 16 B values
    std::string s = "*100\r\n";
    for (int i = 0; i < 100; i++) s += Bulk(std::string(16, 'v'));
    return s;
  }
  if (kind == "err-moved") return "-MOVED 3999 127.0.0.1:6381\r\n";
  if (kind == "map10") {                                              // HGETALL of 10 fields (RESP3)
    std::string s = "%10\r\n";
    for (int i = 0; i < 10; i++) s += Bulk("field:" + std::to_string(i)) + Bulk(std::string(16, 'v'));
    return s;
  }
  if (kind == "set10") {                                              // SMEMBERS of 10 (RESP3)
    std::string s = "~10\r\n";
    for (int i = 0; i < 10; i++) s += Bulk("member:" + std::to_string(i));
    return s;
  }
  if (kind == "double") return ",3.1415926535897931\r\n";             // ZSCORE (RESP3)
  if (kind == "null") return "_\r\n";                                 // GET of a missing key (RESP3)
  if (kind == "bool") return "#t\r\n";
  if (kind == "push") return ">3\r\n" + Bulk("message") + Bulk("news") + Bulk(std::string(32, 'm'));  // pub/sub message (RESP3)
  if (kind == "attrib") return "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n";
  if (kind == "deep10") return std::string("*1\r\n") + "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n";
  return "";
}

// The stream argv[1] names (default "ok"), its unit repeated to 1 MiB; `list` prints the names and
// exits, an unknown name exits 2.
inline std::string StreamFromArgs(int argc, char** argv, std::string* kind, size_t* replies) {
  *kind = argc > 1 ? argv[1] : "ok";
  if (*kind == "list") {
    for (const char* n : kStreams) printf("%s\n", n);
    exit(0);
  }
  const std::string unit = Unit(*kind);
  if (unit.empty()) {
    fprintf(stderr, "unknown stream %s\n", kind->c_str());
    exit(2);
  }
  std::string stream;
  while (stream.size() < (1 << 20)) stream += unit;
  *replies = stream.size() / unit.size();
  return stream;
}

}  // namespace slotproxy_bench
