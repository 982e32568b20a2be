// hiredis 1.x's reader alone on the streams of reply_streams.h, with callbacks that do nothing
// but return a non-null object: the least any scanner built on that reader would cost (the
// reply scanner would add its element and redirect bookkeeping). Fed as the hiredis-based
// scanner did: each 64 KiB read in 4 KiB slices, each slice drained. What run-hiredis.sh
// compares RespFramer with; see the comment at the top of native/reply_scanner.h.
//   hiredis-reader STREAM PASSES
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" {
#include "read.h"
}
#include "reply_streams.h"

namespace {
int kObject;
void* OnString(const redisReadTask*, char*, size_t) { return &kObject; }
void* OnArray(const redisReadTask*, size_t) { return &kObject; }
void* OnInteger(const redisReadTask*, long long) { return &kObject; }
void* OnDouble(const redisReadTask*, double, char*, size_t) { return &kObject; }
void* OnNil(const redisReadTask*) { return &kObject; }
void* OnBool(const redisReadTask*, int) { return &kObject; }
void OnFree(void*) {}
redisReplyObjectFunctions kCallbacks = {OnString, OnArray, OnInteger, OnDouble, OnNil, OnBool, OnFree};
}  // namespace

int main(int argc, char** argv) {
  std::string kind;
  size_t replies = 0;
  const std::string stream = slotproxy_bench::StreamFromArgs(argc, argv, &kind, &replies);
  redisReader* r = redisReaderCreateWithFunctions(&kCallbacks);
  r->maxbuf = 1 << 20;
  long total = 0;
  int passes = argc > 2 ? atoi(argv[2]) : 5;
  for (int p = 0; p < passes; p++) {
    for (size_t at = 0; at < stream.size(); at += 4096) {
      size_t n = stream.size() - at < 4096 ? stream.size() - at : 4096;
      redisReaderFeed(r, stream.data() + at, n);
      for (;;) {
        void* reply = nullptr;
        if (redisReaderGetReply(r, &reply) != REDIS_OK) {
          fprintf(stderr, "%s: %s\n", kind.c_str(), r->errstr);
          return 1;
        }
        if (!reply) break;
        total++;
      }
    }
  }
  printf("%s: %zu replies per pass, %ld scanned\n", kind.c_str(), replies, total);
  redisReaderFree(r);
}
