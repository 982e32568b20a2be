// The native reply scanner alone, outside Node, on a recorded backend stream: what
// bench/callgrind/run.sh counts instructions of, per reply. Reads of 64 KiB, as a backend socket
// gives them, and kRepMore continuations drained as lib/protocol/reply-reader.ts does.
//   reply-harness STREAM PASSES        (STREAM: see Unit() below; `reply-harness list` names them)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "records.h"
#include "reply_scanner.h"
#include "reply_streams.h"

using namespace slotproxy;

int main(int argc, char** argv) {
  std::string kind;
  size_t replies = 0;
  const std::string stream = slotproxy_bench::StreamFromArgs(argc, argv, &kind, &replies);
  std::vector<int32_t> records(kRepHeader + 16384 * kRepRecord), elems(262144);
  ReplyOutput out{records.data(), 16384, elems.data(), elems.size()};
  ReplyScanner sc;
  long total = 0;
  int passes = argc > 2 ? atoi(argv[2]) : 5;
  const uint8_t* b = reinterpret_cast<const uint8_t*>(stream.data());
  for (int p = 0; p < passes; p++) {
    for (size_t at = 0; at < stream.size(); at += 65536) {
      size_t n = stream.size() - at < 65536 ? stream.size() - at : 65536;
      total += sc.Scan(b + at, n, out);
      while (records[kRepStatus] == kRepMore) total += sc.Scan(nullptr, 0, out);
      if (records[kRepStatus] == kRepError) {
        fprintf(stderr, "protocol error in stream %s\n", kind.c_str());
        return 1;
      }
    }
  }
  printf("%s: %zu replies per pass, %ld scanned\n", kind.c_str(), replies, total);
}
