// libFuzzer target for ReplyScanner (native/reply_scanner.cc over native/resp_framer.cc): RESP2
// and RESP3 replies, attributes, nesting to any depth.
//
// Mode byte (input byte 0):
//   bits 0-1  read sizes: 1..3, 1..16, 1..512 bytes, or the whole stream in one read
//   bits 2-3  record capacity: 1, 2, 7, 4096 records (small ones force kRepMore continuations)
//   bits 4-5  element capacity: 0, 1, 6, 8192 entries (small ones force "did not fit")
//   bits 6-7  unused
//
// Each read is a buffer of exactly its size, freed once its scan (and its kRepMore continuations,
// which lib/protocol/reply-reader.ts makes on the same buffer) is over: ASan then reports a read
// past the read or of an earlier one. Records are checked against the layout in records.h and
// the stream they came from, and compared with one scan of the whole stream: framing must not
// depend on where reads end (lines read in place in one read, byte at a time across reads). That
// scan of the whole stream is then compared with reply_reference.h, an independent reading of
// the same rules: the same frames, and a protocol error exactly where it finds a malformed reply.
#include <cstdio>
#include <vector>

#include "fuzz_support.h"
#include "records.h"
#include "reply_reference.h"
#include "reply_scanner.h"

using namespace slotproxy;
using namespace slotproxy_fuzz;

namespace {

struct Frame {  // offsets absolute in the stream
  int64_t end;
  int32_t type, redirect, attrib;
  bool elemsKnown;  // false: did not fit in the element array
  std::vector<int64_t> elems;
};

struct Run {
  std::vector<Frame> frames;
  bool failed = false;
};

int32_t ExpectedRedirect(const uint8_t* msg, size_t n) {
  auto starts = [&](const char* s) { return n >= strlen(s) && memcmp(msg, s, strlen(s)) == 0; };
  if (starts("MOVED ")) return kRedirMoved;
  if (starts("ASK ")) return kRedirAsk;
  if (starts("TRYAGAIN")) return kRedirTryAgain;
  if (starts("CLUSTERDOWN")) return kRedirClusterDown;
  return kRedirNone;
}

// The element count an aggregate header declares, when it is a plain decimal; -1 otherwise
// (RespFramer refuses "+3" or "abc"; neither is what Redis sends). A map declares pairs.
int64_t DeclaredCount(const uint8_t* p, size_t n) {
  size_t i = 1;
  bool neg = i < n && p[i] == '-';
  if (neg) i++;
  int64_t v = 0;
  size_t digits = 0;
  for (; i < n && p[i] >= '0' && p[i] <= '9' && digits < 18; i++, digits++) v = v * 10 + (p[i] - '0');
  if (!digits || i >= n || p[i] != '\r') return -1;
  return neg ? 0 : p[0] == '%' ? 2 * v : v;
}

bool IsAggregate(int32_t t) { return t == '*' || t == '%' || t == '~' || t == '>'; }
bool IsLine(int32_t t) { return t == '+' || t == '-' || t == ':' || t == '_' || t == '#' || t == ',' || t == '('; }

// The payload of a length-prefixed reply at p[0, n): after its length line, before the last CRLF.
void Payload(const uint8_t* p, size_t n, const uint8_t** payload, size_t* len) {
  const uint8_t* lf = static_cast<const uint8_t*>(memchr(p, '\n', n));
  FUZZ_CHECK(lf && lf + 1 + 2 <= p + n);
  *payload = lf + 1;
  *len = static_cast<size_t>(p + n - 2 - *payload);
}

// Checks the records of one Scan() call on a read at stream offset `base` and appends them.
// `prevEnd` is where the next frame starts, relative to the read (negative: in an earlier read).
void CheckCall(const uint8_t* stream, int64_t base, size_t readLen, const std::vector<int32_t>& records,
               const std::vector<int32_t>& elems, int32_t got, size_t recordCap, size_t elemCap, int64_t& prevEnd,
               Run& run) {
  const int32_t count = records[kRepCount], status = records[kRepStatus], used = records[kRepElems];
  FUZZ_CHECK(got == count);
  FUZZ_CHECK(count >= 0 && static_cast<size_t>(count) <= recordCap);
  FUZZ_CHECK(status == kRepDone || status == kRepMore || status == kRepError);
  if (status == kRepMore) FUZZ_CHECK(static_cast<size_t>(count) == recordCap);
  FUZZ_CHECK(used >= 0 && static_cast<size_t>(used) <= elemCap);
  int32_t nextElem = 0;
  for (int32_t i = 0; i < count; i++) {
    const int32_t* r = &records[kRepHeader + i * kRepRecord];
    const int32_t end = r[kPEnd], type = r[kPType], redirect = r[kPRedirect], at = r[kPElems], attrib = r[kPAttrib];
    FUZZ_CHECK(end >= prevEnd + 3 && end >= 1 && static_cast<size_t>(end) <= readLen);  // "+\r\n" is the shortest
    const int64_t startAbs = base + prevEnd, endAbs = base + end;
    FUZZ_CHECK(attrib >= 0 && attrib <= endAbs - startAbs - 3);
    // The reply proper, after its attributes (which a frame only starts with: '|').
    const uint8_t* f = stream + startAbs + attrib;
    const size_t flen = static_cast<size_t>(endAbs - startAbs - attrib);
    if (attrib > 0) FUZZ_CHECK(stream[startAbs] == '|');
    FUZZ_CHECK(type == f[0]);
    FUZZ_CHECK(IsLine(type) || IsAggregate(type) || type == '$' || type == '!' || type == '=');
    if (IsLine(type)) FUZZ_CHECK(f[flen - 2] == '\r' && f[flen - 1] == '\n');
    if (type == '_') FUZZ_CHECK(flen == 3);
    if (type == '#') FUZZ_CHECK(flen == 4 && (f[1] == 't' || f[1] == 'f'));
    const uint8_t* payload = nullptr;
    size_t payloadLen = 0;
    if (type == '!' || type == '=') Payload(f, flen, &payload, &payloadLen);
    if (type == '=') FUZZ_CHECK(payloadLen >= 4 && payload[3] == ':');
    int32_t expectRedirect = kRedirNone;
    if (type == '-') expectRedirect = ExpectedRedirect(f + 1, flen - 3);
    if (type == '!') expectRedirect = ExpectedRedirect(payload, payloadLen);
    FUZZ_CHECK(redirect == expectRedirect);
    Frame frame{endAbs, type, redirect, attrib, true, {}};
    if (!IsAggregate(type)) {
      FUZZ_CHECK(at == -1);
    } else if (at == -2) {
      frame.elemsKnown = false;
      int64_t declared = DeclaredCount(f, flen);
      if (declared >= 0) FUZZ_CHECK(static_cast<size_t>(nextElem) + 1 + declared > elemCap);
    } else {
      FUZZ_CHECK(at == nextElem && at < used);
      const int32_t n = elems[at];
      FUZZ_CHECK(n >= 0 && at + 1 + n <= used);
      nextElem = at + 1 + n;
      int64_t declared = DeclaredCount(f, flen);
      if (declared >= 0 && declared <= 2 * static_cast<int64_t>(INT32_MAX)) FUZZ_CHECK(n == declared);
      int64_t prev = startAbs + attrib;
      for (int32_t k = 0; k < n; k++) {
        const int64_t e = base + elems[at + 1 + k];
        FUZZ_CHECK(e > prev + 2 && e <= endAbs);  // element offsets within the reply, ascending
        frame.elems.push_back(e);
        prev = e;
      }
      if (n > 0) FUZZ_CHECK(prev == endAbs);  // the last element ends the frame
    }
    run.frames.push_back(std::move(frame));
    prevEnd = end;
  }
  FUZZ_CHECK(used == nextElem);
}

Run Feed(const uint8_t* stream, size_t len, Chunker* chunker, size_t recordCap, size_t elemCap) {
  ReplyScanner scanner;
  std::vector<int32_t> records(kRepHeader + recordCap * kRepRecord);
  std::vector<int32_t> elems(elemCap);
  const ReplyOutput out{records.data(), recordCap, elems.data(), elemCap};
  Run run;
  int64_t frameStart = 0;  // where the next frame starts in the stream
  size_t fed = 0;
  while (fed < len && !run.failed) {
    const size_t n = chunker ? chunker->Next(len - fed) : len - fed;
    const int64_t base = static_cast<int64_t>(fed);
    ReadBuffer read(n);
    memcpy(read.data(), stream + fed, n);
    fed += n;
    int64_t prevEnd = frameStart - base;
    int32_t got = scanner.Scan(read.data(), n, out);
    for (size_t rounds = 0;; rounds++) {
      FUZZ_CHECK(rounds <= len);  // every kRepMore round reported recordCap >= 1 frames
      CheckCall(stream, base, n, records, elems, got, recordCap, elemCap, prevEnd, run);
      const int32_t status = records[kRepStatus];
      if (status == kRepError) run.failed = true;
      if (status != kRepMore) break;
      got = scanner.Scan(nullptr, 0, out);
    }
    frameStart = base + prevEnd;
    if (run.failed) {
      // The connection is unusable from now on: nothing more is framed.
      ReadBuffer again(n);
      memcpy(again.data(), stream + base, n);
      FUZZ_CHECK(scanner.Scan(again.data(), n, out) == 0 && records[kRepStatus] == kRepError);
    }
  }
  return run;
}

void CompareWithOneRead(const Run& chunked, const Run& whole) {
  FUZZ_CHECK(chunked.failed == whole.failed);
  FUZZ_CHECK(chunked.frames.size() == whole.frames.size());
  for (size_t i = 0; i < chunked.frames.size(); i++) {
    const Frame& a = chunked.frames[i];
    const Frame& b = whole.frames[i];
    FUZZ_CHECK(a.end == b.end && a.type == b.type && a.redirect == b.redirect && a.attrib == b.attrib);
    if (a.elemsKnown && b.elemsKnown) FUZZ_CHECK(a.elems == b.elems);
  }
}

void CompareWithReference(const uint8_t* stream, size_t len, const Run& whole) {
  std::vector<RefFrame> ref;
  const ReplyReference::Status status = ReplyReference(stream, len).Read(&ref);
  // Cut off by the end of the stream, the last reply may already have failed in the scanner (a
  // bad start of a double, big number or verbatim string is refused before its line ends).
  if (status != ReplyReference::kCutOff) FUZZ_CHECK(whole.failed == (status == ReplyReference::kMalformed));
  FUZZ_CHECK(whole.frames.size() == ref.size());
  for (size_t i = 0; i < ref.size(); i++) {
    const Frame& a = whole.frames[i];
    const RefFrame& b = ref[i];
    FUZZ_CHECK(a.end == b.end && a.type == b.type && a.redirect == b.redirect && a.attrib == b.attrib);
    FUZZ_CHECK(a.elemsKnown && a.elems == b.elems);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kInputHeader) return -1;
  const uint8_t mode = data[0];
  static const size_t kRecordCaps[] = {1, 2, 7, 4096};
  static const size_t kElemCaps[] = {0, 1, 6, 8192};
  const std::vector<uint8_t> bytes = StreamOf(data, size, "$!=");
  const uint8_t* stream = bytes.data();
  const size_t len = bytes.size();
  Chunker chunker(mode, data[1]);
  Run chunked = Feed(stream, len, &chunker, kRecordCaps[(mode >> 2) & 3], kElemCaps[(mode >> 4) & 3]);
  Run whole = Feed(stream, len, nullptr, len + 1, 2 * len + 1);
  CompareWithOneRead(chunked, whole);
  CompareWithReference(stream, len, whole);
  return 0;
}
