#include "request_scanner.h"

#include <cstring>

#include "crc16.h"
#include "records.h"

namespace slotproxy {

namespace {

// Redis's string2ll (src/util.c): no sign other than a leading '-', no leading zeros, no spaces.
bool String2ll(const uint8_t* s, size_t n, int64_t* out) {
  if (n == 0 || n >= 21) return false;
  if (n == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == n) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = s[i++] - '0';
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (v > UINT64_MAX / 10) return false;
    v *= 10;
    if (v > UINT64_MAX - (s[i] - '0')) return false;
    v += s[i] - '0';
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// Redis searches lines with strchr() on a NUL-terminated buffer, so a NUL byte ends the search
// as if nothing were found. Reproduced so the proxy frames exactly what Redis frames.
const uint8_t* FindLikeStrchr(const uint8_t* p, const uint8_t* end, uint8_t c) {
  const uint8_t* hit = static_cast<const uint8_t*>(memchr(p, c, end - p));
  const uint8_t* nul = static_cast<const uint8_t*>(memchr(p, 0, (hit ? hit : end) - p));
  return nul ? nullptr : hit;
}

// The usual header line, a type byte then 1 to 18 digits (no leading zero) then '\r': its value
// and its '\r' in one pass. Anything else ("$0", a sign, a long or odd line, the end of the
// buffer) gives nullptr, and FindLikeStrchr and String2ll decide as Redis would; where this one
// answers they would find the same '\r' (digits are neither '\r' nor NUL) and the same value.
const uint8_t* QuickNumberLine(const uint8_t* line, const uint8_t* end, int64_t* value) {
  const uint8_t* q = line + 1;
  if (q >= end || *q == '0') return nullptr;
  const uint8_t* stop = end - q > 18 ? q + 18 : end;
  uint64_t v = 0;
  for (; q < stop; q++) {
    const uint32_t d = static_cast<uint32_t>(*q) - '0';
    if (d > 9) break;
    v = v * 10 + d;
  }
  if (q == line + 1 || q >= end || *q != '\r') return nullptr;
  *value = static_cast<int64_t>(v);
  return q;
}

bool EqualsIgnoreCase(const uint8_t* a, size_t n, const std::string& b) {
  if (n != b.size()) return false;
  for (size_t i = 0; i < n; i++) {
    if (LowerAscii(a[i]) != LowerAscii(static_cast<uint8_t>(b[i]))) return false;
  }
  return true;
}

}  // namespace

void RequestScanner::Reset() {
  inCommand_ = false;
  dead_ = false;
  argsLeft_ = 0;
  bulkLen_ = -1;
  parsed_ = 0;
  args_.clear();
}

int32_t RequestScanner::Scan(const uint8_t* buf, size_t start, size_t end, bool authRequired,
                             const ScanOutput& out) {
  // a copy: kept in registers, not read again through limits_ after each record written
  const ScanLimits lim = *limits_;
  int32_t* header = out.records;
  int32_t* records = out.records + kReqHeader;
  size_t count = 0, keyCount = 0;
  size_t pos = start, consumed = start, need = 0;
  bool stoppedForRoom = false;

  auto fail = [&](int32_t code, size_t at, int32_t detail) {
    int32_t* rec = records + count * kReqRecord;
    rec[kRStart] = static_cast<int32_t>(at);
    rec[kREnd] = static_cast<int32_t>(end);
    rec[kRCmd] = kCmdProtocolError;
    rec[kRArgc] = code;
    rec[kRSlot] = detail;
    rec[kRNKeys] = 0;
    rec[kRFlags] = 0;
    rec[kRKeyIdx] = -1;
    count++;
    dead_ = true;
    consumed = end;
  };

  while (!dead_ && count < out.recordCap) {
    size_t cmdStart;
    if (!inCommand_) {
      if (pos >= end) break;
      cmdStart = pos;
      if (buf[pos] != '*') {
        const uint8_t* nl = FindLikeStrchr(buf + pos, buf + end, '\n');
        if (!nl) {
          if (static_cast<int64_t>(end - pos) > lim.maxInline) fail(kErrTooBigInline, pos, 0);
          break;
        }
        int32_t* rec = records + count * kReqRecord;
        rec[kRStart] = static_cast<int32_t>(pos);
        rec[kREnd] = static_cast<int32_t>(nl + 1 - buf);
        rec[kRCmd] = kCmdInline;
        rec[kRArgc] = 0;
        rec[kRSlot] = -1;
        rec[kRNKeys] = 0;
        rec[kRFlags] = 0;
        rec[kRKeyIdx] = -1;
        count++;
        pos = consumed = nl + 1 - buf;
        continue;
      }
      int64_t ll;
      const uint8_t* cr = QuickNumberLine(buf + pos, buf + end, &ll);
      if (!cr) {
        cr = FindLikeStrchr(buf + pos, buf + end, '\r');
        if (!cr) {
          if (static_cast<int64_t>(end - pos) > lim.maxInline) fail(kErrTooBigMbulkCount, pos, 0);
          break;
        }
        if (cr + 1 >= buf + end) break;  // the byte after '\r' is skipped unseen, as Redis does
        if (!String2ll(buf + pos + 1, cr - (buf + pos + 1), &ll)) ll = INT64_MAX;
      } else if (cr + 1 >= buf + end) {
        break;
      }
      if (ll > lim.maxMultibulk) {
        fail(kErrInvalidMultibulk, pos, 0);
        break;
      }
      if (ll > lim.unauthMultibulk && authRequired) {
        fail(kErrUnauthMultibulk, pos, 0);
        break;
      }
      pos = cr + 2 - buf;
      if (ll <= 0) {  // "*0", "*-1": an empty command, silently consumed
        consumed = pos;
        continue;
      }
      inCommand_ = true;
      argsLeft_ = ll;
      bulkLen_ = -1;
      args_.clear();
      parsed_ = pos - cmdStart;
    } else {
      cmdStart = pos;
      pos = cmdStart + parsed_;
    }

    while (argsLeft_ > 0) {
      if (bulkLen_ < 0) {
        int64_t ll;
        const uint8_t* cr = pos < end && buf[pos] == '$' ? QuickNumberLine(buf + pos, buf + end, &ll) : nullptr;
        if (!cr) {
          cr = FindLikeStrchr(buf + pos, buf + end, '\r');
          if (!cr) {
            if (static_cast<int64_t>(end - pos) > lim.maxInline) fail(kErrTooBigBulkCount, pos, 0);
            break;
          }
          if (cr + 1 >= buf + end) break;
          if (buf[pos] != '$') {
            fail(kErrExpectedDollar, pos, buf[pos]);
            break;
          }
          if (!String2ll(buf + pos + 1, cr - (buf + pos + 1), &ll)) ll = -1;
        } else if (cr + 1 >= buf + end) {
          break;
        }
        if (ll < 0 || ll > lim.maxBulk) {
          fail(kErrInvalidBulk, pos, 0);
          break;
        }
        if (ll > lim.unauthBulk && authRequired) {
          fail(kErrUnauthBulk, pos, 0);
          break;
        }
        pos = cr + 2 - buf;
        bulkLen_ = ll;
      }
      // Redis skips the two bytes after the payload without looking at them; so do we.
      if (static_cast<int64_t>(end - pos) < bulkLen_ + 2) {
        need = pos - cmdStart + bulkLen_ + 2;
        break;
      }
      args_.push_back(Arg{static_cast<uint32_t>(pos - cmdStart), static_cast<uint32_t>(bulkLen_)});
      pos += bulkLen_ + 2;
      bulkLen_ = -1;
      argsLeft_--;
    }
    if (dead_) break;
    if (argsLeft_ > 0) {  // unfinished: remember how far we got, keep the bytes from cmdStart
      parsed_ = pos - cmdStart;
      consumed = cmdStart;
      break;
    }
    int32_t* rec = records + count * kReqRecord;
    rec[kRStart] = static_cast<int32_t>(cmdStart);
    rec[kREnd] = static_cast<int32_t>(pos);
    Finish(buf + cmdStart, rec, out, keyCount);
    if (rec[kRKeyIdx] == -2 && count > 0) {  // the key array is full: leave this command for the next call
      args_.clear();
      inCommand_ = false;
      pos = consumed = cmdStart;
      stoppedForRoom = true;
      break;
    }
    count++;
    inCommand_ = false;
    consumed = pos;
  }
  header[kReqCount] = static_cast<int32_t>(count);
  header[kReqConsumed] = static_cast<int32_t>(consumed);
  if (!dead_ && count == out.recordCap && consumed < end) stoppedForRoom = true;
  header[kReqNeed] = stoppedForRoom ? kNeedRescan : static_cast<int32_t>(need > INT32_MAX ? INT32_MAX : need);
  header[kReqKeys] = static_cast<int32_t>(keyCount);
  return static_cast<int32_t>(count);
}

void RequestScanner::Finish(const uint8_t* cmd, int32_t* rec, const ScanOutput& out, size_t& keyCount) {
  const int64_t argc = static_cast<int64_t>(args_.size());
  rec[kRArgc] = static_cast<int32_t>(argc);
  rec[kRSlot] = -1;
  rec[kRNKeys] = 0;
  rec[kRFlags] = 0;
  rec[kRKeyIdx] = -1;
  const CommandTable& table = *commands_;
  const CommandRow* row = table.Find(cmd + args_[0].off, args_[0].len);
  if (!row) {
    rec[kRCmd] = 0;
    return;
  }
  if ((row->flags & kRowContainer) && argc >= 2) {
    const CommandRow* sub = table.FindSub(*row, cmd + args_[1].off, args_[1].len);
    if (!sub) {
      rec[kRCmd] = row->id;
      rec[kRFlags] = kFlagUnknownSubcommand;
      return;
    }
    row = sub;
  }
  rec[kRCmd] = row->id;
  if ((row->arity > 0 && row->arity != argc) || argc < -row->arity) {
    rec[kRFlags] = kFlagArity;
    return;
  }
  if (!row->specs.empty()) ExtractKeys(*row, cmd, rec, out, keyCount);
}

// Redis 7's getKeysUsingKeySpecs (src/db.c) with GET_KEYSPEC_RETURN_PARTIAL: a spec that does not
// fit the arguments contributes no keys; the server itself reports the syntax error.
void RequestScanner::ExtractKeys(const CommandRow& row, const uint8_t* cmd, int32_t* rec, const ScanOutput& out,
                                 size_t& keyCount) {
  const int64_t argc = static_cast<int64_t>(args_.size());
  bool wantKeys = row.flags & kRowWantKeys;
  bool wantKeysDone = wantKeys;  // false once the key array overflowed
  const size_t firstTriple = keyCount;
  int32_t slot = -1, nkeys = 0, flags = 0;
  for (const KeySpec& spec : row.specs) {
    int64_t first = 0, last = 0, step = 1;
    if (spec.bs == kBsIndex) {
      first = spec.bsArg;
    } else if (spec.bs == kBsKeyword) {
      int64_t from = spec.bsArg > 0 ? spec.bsArg : argc + spec.bsArg;
      int64_t to = spec.bsArg > 0 ? argc - 1 : 1;
      for (int64_t i = from; i != to; i = from <= to ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (EqualsIgnoreCase(cmd + args_[i].off, args_[i].len, spec.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue;
    } else {
      continue;
    }
    if (spec.fk == kFkRange) {
      step = spec.b;
      if (spec.a >= 0) {
        last = first + spec.a;
      } else if (!spec.c) {
        last = argc + spec.a;
      } else {
        last = first + ((argc - first) / spec.c + spec.a);
      }
    } else if (spec.fk == kFkKeynum) {
      step = spec.c;
      if (spec.a >= argc - first) continue;
      const Arg& numArg = args_[first + spec.a];
      int64_t numkeys;
      // more keys than arguments left cannot fit: skip before first + numkeys can overflow
      if (!String2ll(cmd + numArg.off, numArg.len, &numkeys) || numkeys < 0 || numkeys > argc) continue;
      first += spec.b;
      last = first + numkeys - 1;
    } else {
      continue;
    }
    if (last >= argc || last < first || first >= argc || first < 1) continue;
    for (int64_t i = first; i <= last; i += step) {
      const Arg& key = args_[i];
      int32_t s = KeySlot(cmd + key.off, key.len);
      if (slot < 0) {
        slot = s;
      } else if (s != slot) {
        flags |= kFlagCrossSlot;
      }
      nkeys++;
      if (wantKeys) {
        if (keyCount >= out.keyCap) {
          // Too many keys for the shared array. Scan() retries the command in the next call
          // when others came before it; alone, it is reported with kRKeyIdx -2 and TypeScript
          // extracts its keys itself.
          rec[kRKeyIdx] = -2;
          keyCount = firstTriple;
          wantKeysDone = wantKeys = false;
          continue;
        }
        int32_t* t = out.keys + keyCount * kKeyTriple;
        t[0] = static_cast<int32_t>(rec[kRStart] + key.off);
        t[1] = static_cast<int32_t>(key.len);
        t[2] = s;
        keyCount++;
      }
    }
  }
  rec[kRSlot] = slot;
  rec[kRNKeys] = nkeys;
  rec[kRFlags] |= flags;
  if (wantKeysDone) rec[kRKeyIdx] = static_cast<int32_t>(firstTriple);
}

}  // namespace slotproxy
