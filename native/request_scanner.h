// Frames client input exactly as Redis 7 does (src/networking.c: processInlineBuffer,
// processMultibulkBuffer), then resolves each command against the registered table: row id,
// arity, key positions from the key specs, slot, cross-slot. One call per socket read; the
// results go to a typed array owned by TypeScript.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "command_table.h"

namespace slotproxy {

struct ScanLimits {
  int64_t maxMultibulk = 1024 * 1024;          // Redis 6.2's cap; 7.0 only caps at INT_MAX
  int64_t maxBulk = 512LL * 1024 * 1024;       // proto-max-bulk-len
  int64_t maxInline = 64 * 1024;               // PROTO_INLINE_MAX_SIZE
  int64_t unauthMultibulk = 10;                // Redis 7 limits before AUTH
  int64_t unauthBulk = 16384;
};

struct ScanOutput {
  int32_t* records = nullptr;
  size_t recordCap = 0;  // in records
  int32_t* keys = nullptr;
  size_t keyCap = 0;     // in triples
};

class RequestScanner {
 public:
  // `commands` and `limits` belong to the scanner set (one per Proxy) and outlive the scanner;
  // they are read at each scan, so a change applies from the next read.
  RequestScanner(const CommandTable& commands, const ScanLimits& limits) : commands_(&commands), limits_(&limits) {}

  // Scans buf[start, end). When the previous call left a command unfinished, its bytes must
  // start at `start` again (TypeScript keeps the tail); parsing resumes where it stopped.
  // Writes the header and records into out; returns the number of records.
  int32_t Scan(const uint8_t* buf, size_t start, size_t end, bool authRequired, const ScanOutput& out);
  void Reset();

 private:
  struct Arg {
    uint32_t off;  // relative to the command start
    uint32_t len;
  };
  void Finish(const uint8_t* cmd, int32_t* rec, const ScanOutput& out, size_t& keyCount);
  void ExtractKeys(const CommandRow& row, const uint8_t* cmd, int32_t* rec, const ScanOutput& out, size_t& keyCount);

  const CommandTable* commands_;
  const ScanLimits* limits_;
  bool inCommand_ = false;
  bool dead_ = false;      // a protocol error was reported: nothing more is parsed
  int64_t argsLeft_ = 0;
  int64_t bulkLen_ = -1;   // length of the argument whose header was read, -1 when none
  size_t parsed_ = 0;      // bytes of the unfinished command already parsed
  std::vector<Arg> args_;
};

}  // namespace slotproxy
