// libFuzzer target for RequestScanner (native/request_scanner.cc).
//
// Mode byte (input byte 0):
//   bit 0     authRequired
//   bit 1     small limits (so multibulk, bulk and inline limits are reachable in a few bytes)
//   bits 2-3  read sizes: 1..3, 1..16, 1..512 bytes, or the whole stream in one read
//   bits 4-5  record capacity: 1, 2, 5, 4096 records
//   bits 6-7  key capacity: 0, 1, 4, 4096 triples
//
// The stream is fed as lib/protocol/request-reader.ts feeds it: each scan gets the unconsumed
// tail followed by the new read, a NEED_RESCAN result is scanned again from CONSUMED on the same
// buffer, (on a coin flip, as RequestReader always does) a read that does not reach REQ_NEED is
// only buffered, and, when authRequired, one record may play a successful AUTH: the scanner is
// reset and the buffer scanned again from that record's end without the unauthenticated limits.
// Every result is checked against the record layout (records.h), and the records of the chunked
// run are compared with those of one scan over the whole stream: framing must not depend on where
// reads end, except for the "too big" errors, which in Redis too depend on what was buffered when
// the line was still unterminated.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "command_rows.h"
#include "command_table.h"
#include "crc16.h"
#include "fuzz_support.h"
#include "records.h"
#include "register_rows.h"
#include "request_scanner.h"

using namespace slotproxy;
using namespace slotproxy_fuzz;

namespace {

struct RowInfo {
  bool known = false;
  bool wantKeys = false;
  bool hasSpecs = false;
  bool container = false;
  int32_t arity = 0;
};
std::vector<RowInfo> gRows;  // by id
// what the addon's ScannerSet holds for a proxy: the generated rows, and the limits of the mode
CommandTable gTable;
ScanLimits gLimits;

struct Record {  // offsets made absolute in the stream
  int64_t start, end;
  int32_t cmd, argc, slot, nkeys, flags;
  bool keysReported;
  std::vector<int64_t> keys;  // start, length, slot per key
};

struct Run {
  std::vector<Record> records;
  bool dead = false;
  int64_t authenticatedAt = -1;  // stream offset after the record that played AUTH
};

bool TooBig(const Record& r) {
  return r.cmd == kCmdProtocolError &&
         (r.argc == kErrTooBigMbulkCount || r.argc == kErrTooBigBulkCount || r.argc == kErrTooBigInline);
}

bool ArityWrong(int32_t arity, int64_t argc) { return (arity > 0 && arity != argc) || argc < -arity; }

// Checks one Scan() result on buf[start, end) and appends its records (made absolute) to run.
void CheckScan(const uint8_t* buf, size_t start, size_t end, int32_t got, const std::vector<int32_t>& records,
               const std::vector<int32_t>& keys, size_t recordCap, size_t keyCap, int64_t base, Run& run) {
  const int32_t count = records[kReqCount], consumed = records[kReqConsumed], need = records[kReqNeed],
                keysOut = records[kReqKeys];
  FUZZ_CHECK(got == count);
  FUZZ_CHECK(count >= 0 && static_cast<size_t>(count) <= recordCap);
  FUZZ_CHECK(consumed >= 0 && static_cast<size_t>(consumed) >= start && static_cast<size_t>(consumed) <= end);
  FUZZ_CHECK(keysOut >= 0 && static_cast<size_t>(keysOut) <= keyCap);
  FUZZ_CHECK(need == kNeedRescan || need >= 0);
  if (need > 0) FUZZ_CHECK(static_cast<size_t>(need) > end - consumed);  // else it could have progressed
  if (need == kNeedRescan) FUZZ_CHECK(count > 0 && static_cast<size_t>(consumed) > start && static_cast<size_t>(consumed) < end);

  int64_t prevEnd = static_cast<int64_t>(start);
  int32_t nextTriple = 0;
  for (int32_t i = 0; i < count; i++) {
    const int32_t* r = &records[kReqHeader + i * kReqRecord];
    const int32_t s = r[kRStart], e = r[kREnd], cmd = r[kRCmd], argc = r[kRArgc], slot = r[kRSlot],
                  nkeys = r[kRNKeys], flags = r[kRFlags], keyIdx = r[kRKeyIdx];
    FUZZ_CHECK(s >= prevEnd && s < e && static_cast<size_t>(e) <= end);  // frame starts ascend, frames do not overlap
    Record rec{base + s, base + e, cmd, argc, slot, nkeys, flags, false, {}};
    if (cmd == kCmdProtocolError) {
      FUZZ_CHECK(i == count - 1);  // the error is the last record ...
      FUZZ_CHECK(static_cast<size_t>(consumed) == end && static_cast<size_t>(e) == end && need == 0);
      FUZZ_CHECK(argc >= kErrInvalidMultibulk && argc <= kErrUnauthBulk);
      FUZZ_CHECK(argc == kErrExpectedDollar ? slot == buf[s] && buf[s] != '$' : slot == 0);
      FUZZ_CHECK(nkeys == 0 && flags == 0 && keyIdx == -1);
      run.dead = true;  // ... and nothing is parsed after it
    } else if (cmd == kCmdInline) {
      FUZZ_CHECK(buf[s] != '*' && buf[e - 1] == '\n');
      for (int32_t k = s; k < e - 1; k++) FUZZ_CHECK(buf[k] != '\n' && buf[k] != 0);  // ends at the first newline
      FUZZ_CHECK(argc == 0 && slot == -1 && nkeys == 0 && flags == 0 && keyIdx == -1);
    } else {
      FUZZ_CHECK(cmd >= 0 && buf[s] == '*' && argc >= 1 && e - s >= 4 + 6 * static_cast<int64_t>(argc));
      FUZZ_CHECK((flags & ~(kFlagCrossSlot | kFlagArity | kFlagUnknownSubcommand)) == 0);
      FUZZ_CHECK(nkeys >= 0 && nkeys <= argc - 1);
      FUZZ_CHECK((nkeys == 0) == (slot == -1) && slot >= -1 && slot < 16384);
      if (flags & kFlagCrossSlot) FUZZ_CHECK(nkeys >= 2);
      const RowInfo* row = nullptr;
      if (cmd > 0) {
        FUZZ_CHECK(static_cast<size_t>(cmd) < gRows.size() && gRows[cmd].known);
        row = &gRows[cmd];
      }
      if (!row) {
        FUZZ_CHECK(flags == 0 && nkeys == 0 && keyIdx == -1);
      } else if (flags & kFlagUnknownSubcommand) {
        FUZZ_CHECK(row->container && argc >= 2 && flags == kFlagUnknownSubcommand && keyIdx == -1);
      } else {
        FUZZ_CHECK(ArityWrong(row->arity, argc) == ((flags & kFlagArity) != 0));
        if (flags & kFlagArity) FUZZ_CHECK(flags == kFlagArity && nkeys == 0 && keyIdx == -1);
        if (!row->hasSpecs) FUZZ_CHECK(nkeys == 0);
        if (keyIdx != -1 || (row->wantKeys && row->hasSpecs && !(flags & kFlagArity))) {
          FUZZ_CHECK(row->wantKeys && row->hasSpecs);
          if (keyIdx == -2) {  // too many keys for the array: only ever alone in its scan
            FUZZ_CHECK(i == 0 && static_cast<size_t>(nkeys) > keyCap);
          } else {
            FUZZ_CHECK(keyIdx >= nextTriple && keyIdx + nkeys <= keysOut);
            nextTriple = keyIdx + nkeys;
            rec.keysReported = true;
            bool slotsDiffer = false;
            for (int32_t k = 0; k < nkeys; k++) {
              const int32_t* t = &keys[(keyIdx + k) * kKeyTriple];
              FUZZ_CHECK(t[0] >= s + 4 && t[1] >= 0 && t[0] + t[1] <= e - 2);
              FUZZ_CHECK(buf[t[0] - 2] == '\r');  // a payload follows its "$<len>\r\n" line
              FUZZ_CHECK(t[2] == KeySlot(buf + t[0], static_cast<size_t>(t[1])));
              FUZZ_CHECK(k == 0 ? t[2] == slot : (flags & kFlagCrossSlot) || t[2] == slot);
              slotsDiffer |= t[2] != slot;
              rec.keys.insert(rec.keys.end(), {base + t[0], t[1], t[2]});
            }
            FUZZ_CHECK(slotsDiffer == ((flags & kFlagCrossSlot) != 0));
          }
        }
      }
    }
    run.records.push_back(std::move(rec));
    prevEnd = e;
  }
  FUZZ_CHECK(consumed >= prevEnd);
}

// Feeds the stream; chunker null means one read and capacities that never fill.
Run Feed(const uint8_t* stream, size_t len, bool auth, Chunker* chunker, size_t recordCap, size_t keyCap) {
  RequestScanner scanner(gTable, gLimits);
  std::vector<int32_t> records(kReqHeader + recordCap * kReqRecord);
  std::vector<int32_t> keys(keyCap * kKeyTriple);
  const ScanOutput out{records.data(), recordCap, keys.data(), keyCap};
  Run run;
  std::vector<uint8_t> tail;  // RequestReader's acc: the unconsumed bytes, the unfinished command first
  int64_t tailAbs = 0;
  int64_t need = 0;
  size_t fed = 0;
  while (fed < len && !run.dead) {
    size_t n = chunker ? chunker->Next(len - fed) : len - fed;
    ReadBuffer buf(tail.size() + n);
    if (!tail.empty()) memcpy(buf.data(), tail.data(), tail.size());
    memcpy(buf.data() + tail.size(), stream + fed, n);
    fed += n;
    const int64_t base = tailAbs;
    if (static_cast<int64_t>(buf.size()) < need && chunker && chunker->Coin()) {
      tail.assign(buf.data(), buf.data() + buf.size());
      continue;
    }
    size_t start = 0;
    int32_t consumed = 0;
    for (;;) {
      // A field the scanner forgets to write shows as this pattern. A scan writes at most one
      // record per byte (a bare "\n" is an inline command), so only that much is refilled.
      size_t maybe = std::min(recordCap, buf.size() - start + 1);
      std::fill(records.begin(), records.begin() + kReqHeader + maybe * kReqRecord, 0x5a5a5a5a);
      buf.Hide(start);
      int32_t got = scanner.Scan(buf.data(), start, buf.size(), auth, out);
      buf.Unhide(start);
      CheckScan(buf.data(), start, buf.size(), got, records, keys, recordCap, keyCap, base, run);
      consumed = records[kReqConsumed];
      if (auth && chunker && got > 0 && chunker->Pick(8) == 0) {
        size_t j = run.records.size() - got + chunker->Pick(static_cast<uint32_t>(got));
        if (run.records[j].cmd == kCmdProtocolError && j > run.records.size() - got) j--;
        if (run.records[j].cmd != kCmdProtocolError) {
          // What the sink does through RequestReader.rescanFrom(): the records after AUTH were
          // scanned under the wrong limits; they are dropped and scanned again.
          run.authenticatedAt = run.records[j].end;
          run.records.resize(j + 1);
          run.dead = false;
          auth = false;
          scanner.Reset();
          start = static_cast<size_t>(run.authenticatedAt - base);
          continue;
        }
      }
      if (run.dead) {
        // Once the error is reported the connection closes; a further call parses nothing.
        FUZZ_CHECK(scanner.Scan(buf.data(), 0, buf.size(), auth, out) == 0 && records[kReqCount] == 0);
        break;
      }
      if (records[kReqNeed] == kNeedRescan) {
        start = static_cast<size_t>(consumed);
        continue;
      }
      need = records[kReqNeed];
      break;
    }
    tail.assign(buf.data() + consumed, buf.data() + buf.size());
    tailAbs = base + consumed;
  }
  return run;
}

bool SameRecord(const Record& a, const Record& b) {
  if (a.cmd == kCmdProtocolError || b.cmd == kCmdProtocolError) {
    // The error's frame end is the end of the read it was found in.
    return a.cmd == b.cmd && a.start == b.start && a.argc == b.argc && a.slot == b.slot;
  }
  if (a.keysReported && b.keysReported && a.keys != b.keys) return false;
  return a.start == b.start && a.end == b.end && a.cmd == b.cmd && a.argc == b.argc && a.slot == b.slot &&
         a.nkeys == b.nkeys && a.flags == b.flags;
}

void CompareWithOneRead(const Run& chunked, const Run& whole) {
  const std::vector<Record>& c = chunked.records;
  const std::vector<Record>& w = whole.records;
  const bool endsTooBig = !c.empty() && TooBig(c.back());
  const size_t prefix = endsTooBig ? c.size() - 1 : c.size();
  FUZZ_CHECK(w.size() >= prefix);
  for (size_t i = 0; i < prefix; i++) FUZZ_CHECK(SameRecord(c[i], w[i]));
  if (!endsTooBig) FUZZ_CHECK(w.size() == c.size());
}

void SetLimits(bool small) {
  ScanLimits& l = gLimits;
  l = ScanLimits{};
  if (small) {
    l.maxMultibulk = 100;
    l.maxBulk = 300;
    l.maxInline = 64;
    l.unauthMultibulk = 10;
    l.unauthBulk = 32;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  FUZZ_CHECK(RegisterCommandRows(gTable));
  size_t maxId = 0;
  for (const CommandRowDef& d : kRows) maxId = static_cast<size_t>(d.id) > maxId ? d.id : maxId;
  gRows.assign(maxId + 1, RowInfo{});
  for (const CommandRowDef& d : kRows) {
    gRows[d.id] = RowInfo{true, d.wantKeys, d.specCount > 0, false, d.arity};
    if (d.parentId) gRows[d.parentId].container = true;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kInputHeader) return -1;  // not added to the corpus
  const uint8_t mode = data[0];
  const bool auth = mode & 1;
  static const size_t kRecordCaps[] = {1, 2, 5, 4096};
  static const size_t kKeyCaps[] = {0, 1, 4, 4096};
  const std::vector<uint8_t> bytes = StreamOf(data, size);
  const uint8_t* stream = bytes.data();
  const size_t len = bytes.size();
  SetLimits(mode & 2);
  Chunker chunker(mode >> 2, data[1]);
  Run chunked = Feed(stream, len, auth, &chunker, kRecordCaps[(mode >> 4) & 3], kKeyCaps[(mode >> 6) & 3]);
  Run whole = Feed(stream, len, auth, nullptr, len + 1, len + 1);
  if (chunked.authenticatedAt >= 0) {
    // One read with AUTH at the same place: the records up to it under the unauthenticated
    // limits, then a fresh scan of the rest.
    const int64_t at = chunked.authenticatedAt;
    size_t keep = 0;
    while (keep < whole.records.size() && whole.records[keep].end <= at) keep++;
    FUZZ_CHECK(keep > 0 && whole.records[keep - 1].end == at && whole.records[keep - 1].cmd != kCmdProtocolError);
    whole.records.resize(keep);
    Run rest = Feed(stream + at, len - static_cast<size_t>(at), false, nullptr, len + 1, len + 1);
    for (Record& r : rest.records) {
      r.start += at;
      r.end += at;
      for (size_t k = 0; k < r.keys.size(); k += 3) r.keys[k] += at;
      whole.records.push_back(std::move(r));
    }
  }
  CompareWithOneRead(chunked, whole);
  return 0;
}
