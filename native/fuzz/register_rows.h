// Registers the generated command rows (command_rows.h, from gen-command-table.js) in the
// scanner's table, as TypeScript does through the addon: for the fuzzers and for
// bench/callgrind's harness.
#pragma once
#include <utility>

#include "command_rows.h"
#include "command_table.h"

namespace slotproxy_fuzz {

// False when the table refuses a row (the generator and the table disagree).
inline bool RegisterCommandRows(slotproxy::CommandTable& table) {
  using namespace slotproxy;
  table.Clear();
  for (const CommandRowDef& d : kRows) {
    CommandRow row;
    row.id = d.id;
    row.name = d.name;
    row.arity = d.arity;
    row.flags = d.wantKeys ? kRowWantKeys : 0;
    for (size_t i = 0; i < d.specCount; i++) {
      const SpecRow& s = kSpecs[d.firstSpec + i];
      row.specs.push_back(KeySpec{s.bs, s.bsArg, s.keyword ? s.keyword : "", s.fk, s.a, s.b, s.c});
    }
    if (!table.Add(std::move(row), d.parentId)) return false;
  }
  return true;
}

}  // namespace slotproxy_fuzz
