#include "command_table.h"

namespace slotproxy {

namespace {
bool EqualsLower(const std::string& lower, size_t from, const uint8_t* p, size_t n) {
  if (lower.size() - from != n) return false;
  for (size_t i = 0; i < n; i++) {
    if (static_cast<uint8_t>(lower[from + i]) != LowerAscii(p[i])) return false;
  }
  return true;
}
}  // namespace

void CommandTable::Clear() {
  rows_.clear();
  buckets_.assign(64, 0);
  topLevel_ = 0;
}

uint32_t CommandTable::Hash(const uint8_t* p, size_t n) {
  uint32_t h = 2166136261u;  // FNV-1a over the lowercased name
  for (size_t i = 0; i < n; i++) h = (h ^ LowerAscii(p[i])) * 16777619u;
  return h;
}

void CommandTable::Rehash(size_t capacity) {
  buckets_.assign(capacity, 0);
  for (const CommandRow& row : rows_) {
    if (!row.id || row.subOffset) continue;
    size_t mask = capacity - 1;
    size_t i = Hash(reinterpret_cast<const uint8_t*>(row.name.data()), row.name.size()) & mask;
    while (buckets_[i]) i = (i + 1) & mask;
    buckets_[i] = row.id;
  }
}

bool CommandTable::Add(CommandRow row, int32_t parentId) {
  if (row.id <= 0 || row.id > 1 << 20) return false;
  for (const KeySpec& s : row.specs) {
    if ((s.fk == kFkRange || s.fk == kFkKeynum) && (s.fk == kFkRange ? s.b : s.c) <= 0) return false;
    if (s.fk == kFkKeynum && s.a < 0) return false;  // keynumidx indexes arguments after `first`
    if (s.bs == kBsIndex && s.bsArg < 1) return false;
  }
  if (buckets_.empty()) buckets_.assign(64, 0);
  if (static_cast<size_t>(row.id) >= rows_.size()) rows_.resize(row.id + 1);
  if (parentId) {
    CommandRow* parent = parentId > 0 && static_cast<size_t>(parentId) < rows_.size() ? &rows_[parentId] : nullptr;
    if (!parent || !parent->id) return false;
    size_t bar = row.name.find('|');
    if (bar == std::string::npos) return false;
    row.subOffset = bar + 1;
    parent->flags |= kRowContainer;
    parent->subcommands.push_back(row.id);
    rows_[row.id] = std::move(row);
    return true;
  }
  if (Find(reinterpret_cast<const uint8_t*>(row.name.data()), row.name.size())) return false;
  int32_t id = row.id;
  rows_[id] = std::move(row);
  if (++topLevel_ * 2 > buckets_.size()) {
    Rehash(buckets_.size() * 2);  // also inserts the new row
    return true;
  }
  const CommandRow& added = rows_[id];
  size_t mask = buckets_.size() - 1;
  size_t i = Hash(reinterpret_cast<const uint8_t*>(added.name.data()), added.name.size()) & mask;
  while (buckets_[i]) i = (i + 1) & mask;
  buckets_[i] = id;
  return true;
}

const CommandRow* CommandTable::Find(const uint8_t* name, size_t len) const {
  if (buckets_.empty() || len == 0 || len > 64) return nullptr;
  size_t mask = buckets_.size() - 1;
  for (size_t i = Hash(name, len) & mask;; i = (i + 1) & mask) {
    int32_t id = buckets_[i];
    if (!id) return nullptr;
    const CommandRow& row = rows_[id];
    if (EqualsLower(row.name, 0, name, len)) return &row;
  }
}

const CommandRow* CommandTable::FindSub(const CommandRow& parent, const uint8_t* name, size_t len) const {
  for (int32_t id : parent.subcommands) {
    const CommandRow& row = rows_[id];
    if (EqualsLower(row.name, row.subOffset, name, len)) return &row;
  }
  return nullptr;
}

}  // namespace slotproxy
