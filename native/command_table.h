// The command table as the native scanner sees it: names, arity and key specs, registered from
// TypeScript (lib/commands/), which owns everything else about a command (routing policy, reply
// merging). Ids are TypeScript's; the scanner reports them back in its records. Each ScannerSet
// (addon.cc; one per Proxy) has its own table: two proxies in one process may front clusters
// with different commands.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace slotproxy {

// ASCII lowercase by table: one load per byte where a comparison and a branch cost several
// (command names and keywords are compared case-insensitively for every command scanned).
struct LowerAsciiTable {
  uint8_t v[256];
};
constexpr LowerAsciiTable MakeLowerAsciiTable() {
  LowerAsciiTable t{};
  for (int c = 0; c < 256; c++) t.v[c] = static_cast<uint8_t>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return t;
}
inline constexpr LowerAsciiTable kLowerAscii = MakeLowerAsciiTable();
inline uint8_t LowerAscii(uint8_t c) { return kLowerAscii.v[c]; }

// Key-spec shapes from Redis 7 (src/server.h, "Key-spec" section).
enum BeginSearch : int32_t { kBsUnknown = 0, kBsIndex = 1, kBsKeyword = 2 };
enum FindKeys : int32_t { kFkUnknown = 0, kFkRange = 1, kFkKeynum = 2 };

struct KeySpec {
  int32_t bs;         // BeginSearch
  int32_t bsArg;      // index pos, or keyword startfrom
  std::string keyword;
  int32_t fk;         // FindKeys
  int32_t a, b, c;    // range: lastkey, keystep, limit; keynum: keynumidx, firstkey, keystep
};

enum RowFlags : int32_t {
  kRowContainer = 1,  // has subcommands; argv[1] selects the row that applies
  kRowWantKeys = 2,   // the request classes need every key (offset, length, slot), not just the slot
};

struct CommandRow {
  int32_t id = 0;
  int32_t arity = 0;
  int32_t flags = 0;
  std::string name;  // lowercase
  std::vector<KeySpec> specs;
  std::vector<int32_t> subcommands;  // ids of rows whose name is "<this>|<sub>"
  size_t subOffset = 0;              // for subcommand rows: where the part after '|' starts
};

class CommandTable {
 public:
  CommandTable() { Clear(); }
  void Clear();
  // Returns false when the row is inconsistent (unknown parent, bad spec); TypeScript checks first.
  bool Add(CommandRow row, int32_t parentId);
  // Case-insensitive lookup of a top-level command name; nullptr when unknown.
  const CommandRow* Find(const uint8_t* name, size_t len) const;
  const CommandRow* FindSub(const CommandRow& parent, const uint8_t* name, size_t len) const;
  const CommandRow* Row(int32_t id) const {
    return id > 0 && static_cast<size_t>(id) < rows_.size() ? rows_[id].id ? &rows_[id] : nullptr : nullptr;
  }

 private:
  static uint32_t Hash(const uint8_t* p, size_t n);
  void Rehash(size_t capacity);
  std::vector<CommandRow> rows_;   // indexed by id
  std::vector<int32_t> buckets_;   // open addressing over top-level rows, 0 = empty
  size_t topLevel_ = 0;
};

}  // namespace slotproxy
