#include "resp_framer.h"

#include <cstring>

#include "records.h"

namespace slotproxy {

int32_t ClassifyRedirect(const uint8_t* msg, size_t n) {
  auto starts = [&](const char* s, size_t len) { return n >= len && memcmp(msg, s, len) == 0; };
  if (starts("MOVED ", 6)) return kRedirMoved;
  if (starts("ASK ", 4)) return kRedirAsk;
  if (starts("TRYAGAIN", 8)) return kRedirTryAgain;
  if (starts("CLUSTERDOWN", 11)) return kRedirClusterDown;
  return kRedirNone;
}

namespace {
constexpr int64_t kMaxBulk = (int64_t{1} << 53) - 3;

// What a type byte opens. js-reply-scanner.ts has the same table.
enum TypeClass : uint8_t { kBadType = 0, kTextLine, kNumberLine, kLength, kAggregate, kCheckedLine };
struct TypeTable {
  uint8_t c[256] = {};
  constexpr TypeTable() {
    c['+'] = c['-'] = kTextLine;
    c[':'] = kNumberLine;
    c['$'] = c['!'] = c['='] = kLength;
    c['*'] = c['%'] = c['~'] = c['>'] = c['|'] = kAggregate;
    c['_'] = c['#'] = c[','] = c['('] = kCheckedLine;
  }
};
constexpr TypeTable kTypes;

// The check of a double or big number line, one byte at a time (a line may end in any read, and
// a big number has no length limit). kLexCR: a complete number then '\r'.
enum LexState : uint8_t {
  kLexNone = 0,
  kDStart, kDSign, kDInt, kDDot, kDFrac, kDE, kDESign, kDExp,
  kKI, kKIn, kKInf, kKN, kKNa, kKNan,
  kBStart, kBSign, kBDigits,
  kLexCR, kLexBad,
};

inline bool Accepting(uint8_t s) {
  return s == kDInt || s == kDFrac || s == kDExp || s == kKInf || s == kKNan || s == kBDigits;
}

uint8_t Lex(uint8_t s, uint8_t c) {
  if (c == '\r') return Accepting(s) ? kLexCR : kLexBad;
  const bool digit = c >= '0' && c <= '9';
  const uint8_t lower = c | 0x20;  // ASCII letters only: the bytes compared are all letters
  switch (s) {
    case kDStart:
    case kDSign:
      if (digit) return kDInt;
      if (c == '-' && s == kDStart) return kDSign;
      if (lower == 'i') return kKI;
      return lower == 'n' ? kKN : kLexBad;
    case kDInt:
      if (digit) return kDInt;
      if (c == '.') return kDDot;
      return lower == 'e' ? kDE : kLexBad;
    case kDDot:
      return digit ? kDFrac : kLexBad;
    case kDFrac:
      if (digit) return kDFrac;
      return lower == 'e' ? kDE : kLexBad;
    case kDE:
    case kDESign:
    case kDExp:
      if (digit) return kDExp;
      return (c == '+' || c == '-') && s == kDE ? kDESign : kLexBad;
    case kKI:
      return lower == 'n' ? kKIn : kLexBad;
    case kKIn:
      return lower == 'f' ? kKInf : kLexBad;
    case kKN:
      return lower == 'a' ? kKNa : kLexBad;
    case kKNa:
      return lower == 'n' ? kKNan : kLexBad;
    case kBStart:
    case kBSign:
    case kBDigits:
      if (digit) return kBDigits;
      return c == '-' && s == kBStart ? kBSign : kLexBad;
    default:  // after inf or nan, or a '\r' inside the line
      return kLexBad;
  }
}

bool ParseInt(const char* s, size_t n, int64_t* out) {
  if (n == 0) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    if (++i == n) return false;
  }
  if (n - i > 19) return false;  // INT64 has 19 digits (INCR near its limits replies with them)
  uint64_t v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  if (v > static_cast<uint64_t>(INT64_MAX) + (neg ? 1 : 0)) return false;
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}
}  // namespace

void RespFramer::NextFrame() {
  // What the last frame left: its aggregates are closed, no line or payload is open.
  frameAt_ = -1;
  redirect_ = 0;
  attribPrefix_ = 0;
}

void RespFramer::Reset() {
  stack_.clear();
  bulkLeft_ = -1;
  inLine_ = false;
  sawCR_ = false;
  lineLen_ = 0;
  lineTotal_ = 0;
  frameAt_ = -1;
  rootType_ = 0;
  redirect_ = 0;
  attribPrefix_ = 0;
}

bool RespFramer::EndValue(int64_t endAbs, std::vector<int64_t>& elems) {
  while (!stack_.empty()) {
    Level& top = stack_.back();
    if (stack_.size() == 1 && !top.attribute) elems.push_back(endAbs);
    if (--top.left > 0) return false;
    const bool attribute = top.attribute;
    stack_.pop_back();  // that aggregate is complete too, and is itself a value of its parent ...
    if (attribute) return false;  // ... unless it is an attribute: the value it annotates follows
  }
  return true;
}

// A type byte at atAbs with no aggregate open: the frame's first byte, or the reply after the
// frame's attributes. False when the attribute prefix would not fit its int32 field.
bool RespFramer::NoteRoot(uint8_t type, int64_t atAbs) {
  if (frameAt_ < 0) frameAt_ = atAbs;
  if (type == '|') return true;
  rootType_ = type;
  // The prefix is recorded as an int32 (P_ATTRIB): no real attribute comes near 2 GiB.
  if (atAbs - frameAt_ > INT32_MAX) return false;
  attribPrefix_ = static_cast<int32_t>(atAbs - frameAt_);
  return true;
}

// A line ended at endAbs: `content` bytes without its "\r\n", the first `headLen` of them at
// `head` (all of them when the line was read in place). *done when that completes the frame.
// False on a malformed line.
bool RespFramer::EndLine(const char* head, size_t headLen, int64_t content, int64_t endAbs, std::vector<int64_t>& elems, bool* done) {
  const uint8_t t = lineType_;
  const size_t kept = content < static_cast<int64_t>(headLen) ? static_cast<size_t>(content) : headLen;
  switch (kTypes.c[t]) {
    case kTextLine:
      if (t == '-' && stack_.empty()) redirect_ = ClassifyRedirect(reinterpret_cast<const uint8_t*>(head), kept);
      *done = EndValue(endAbs, elems);
      return true;
    case kCheckedLine:
      if (t == '_') {
        if (content != 0) return false;
      } else if (t == '#') {
        if (content != 1 || (head[0] != 't' && head[0] != 'f')) return false;
      } else if (lex_ != kLexCR) {  // ',' or '('
        return false;
      }
      *done = EndValue(endAbs, elems);
      return true;
    default:
      break;
  }
  // A number has at most 20 characters: a longer line fails here even when only its head was kept.
  int64_t v;
  if (!ParseInt(head, kept, &v)) return false;
  return EndNumber(v, endAbs, elems, done);
}

// A ':', length or aggregate line of value v ended at endAbs.
bool RespFramer::EndNumber(int64_t v, int64_t endAbs, std::vector<int64_t>& elems, bool* done) {
  const uint8_t t = lineType_;
  *done = false;
  if (t == ':') {
    *done = EndValue(endAbs, elems);
  } else if (kTypes.c[t] == kLength) {
    // Beyond 2^53 a length is not a real reply (and v + 2 must not overflow); the TypeScript twin
    // draws the same line. Only '$' has a null (-1); a verbatim string starts with "txt:".
    if (v < (t == '$' ? -1 : t == '=' ? 4 : 0) || v > kMaxBulk) return false;
    if (v == -1) {
      *done = EndValue(endAbs, elems);
    } else {
      bulkLeft_ = v + 2;
      bulkLen_ = v;
      payloadAt_ = 0;
      payloadType_ = t;
      captureHead_ = t == '!' && stack_.empty();
      lineLen_ = 0;  // line_ now keeps the head of a blob error
    }
  } else {  // an aggregate
    if (v < (t == '*' ? -1 : 0) || v > INT32_MAX) return false;
    if (t == '|') {
      if (v > 0) stack_.push_back({2 * v, true});
    } else if (v <= 0) {
      *done = EndValue(endAbs, elems);
    } else {
      stack_.push_back({t == '%' ? 2 * v : v, false});
    }
  }
  return true;
}

// Checks and notes what it must of `take` payload bytes (the two after the payload included).
bool RespFramer::SkipPayload(const uint8_t* p, size_t take) {
  if (payloadType_ == '$') return true;
  if (payloadType_ == '=' && payloadAt_ <= 3 && payloadAt_ + static_cast<int64_t>(take) > 3 && p[3 - payloadAt_] != ':') {
    return false;
  }
  if (captureHead_) {
    for (size_t k = 0; k < take && lineLen_ < sizeof(line_) && payloadAt_ + static_cast<int64_t>(k) < bulkLen_; k++) {
      line_[lineLen_++] = static_cast<char>(p[k]);
    }
  }
  payloadAt_ += static_cast<int64_t>(take);
  return true;
}

int64_t RespFramer::Feed(const uint8_t* p, size_t n, int64_t abs, std::vector<int64_t>& elems) {
  size_t i = 0;
  bool done = false;
  while (i < n) {
    if (bulkLeft_ >= 0) {
      size_t take = static_cast<size_t>(bulkLeft_) < n - i ? static_cast<size_t>(bulkLeft_) : n - i;
      if (!SkipPayload(p + i, take)) return kProtocolError;
      i += take;
      bulkLeft_ -= take;
      if (bulkLeft_ > 0) return kNeedMore;
      bulkLeft_ = -1;
      if (captureHead_) redirect_ = ClassifyRedirect(reinterpret_cast<const uint8_t*>(line_), lineLen_);
      if (EndValue(abs + static_cast<int64_t>(i), elems)) return static_cast<int64_t>(i);
      continue;
    }
    if (!inLine_) {
      const uint8_t t = p[i];
      const uint8_t cls = kTypes.c[t];
      if (cls == kBadType || (stack_.empty() && !NoteRoot(t, abs + static_cast<int64_t>(i)))) return kProtocolError;
      lineType_ = t;
      // The usual case: the whole line is in this read, and is read in place. Anything odd (a
      // line that goes on in the next read, a bare '\n', too many digits) is left to the
      // byte-at-a-time path below, which decides.
      if (cls == kNumberLine || cls == kLength || cls == kAggregate) {
        size_t k = i + 1;
        const bool neg = k < n && p[k] == '-';
        if (neg) k++;
        const size_t digits = k;
        uint64_t v = 0;
        for (; k < n && k - digits < 19 && p[k] >= '0' && p[k] <= '9'; k++) v = v * 10 + (p[k] - '0');
        if (k > digits && k + 1 < n && p[k] == '\r' && p[k + 1] == '\n' && v <= static_cast<uint64_t>(INT64_MAX) + neg) {
          i = k + 2;
          if (!EndNumber(neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v), abs + static_cast<int64_t>(i), elems, &done)) {
            return kProtocolError;
          }
          if (done) return static_cast<int64_t>(i);
          if (bulkLeft_ >= 0 && t == '$' && static_cast<uint64_t>(bulkLeft_) <= n - i) {  // a blob string, all here
            i += static_cast<size_t>(bulkLeft_);
            bulkLeft_ = -1;
            if (EndValue(abs + static_cast<int64_t>(i), elems)) return static_cast<int64_t>(i);
          }
          continue;
        }
      } else {
        const uint8_t* lf = static_cast<const uint8_t*>(memchr(p + i + 1, '\n', n - i - 1));
        if (lf && lf - p >= static_cast<ptrdiff_t>(i + 2) && lf[-1] == '\r') {
          const size_t e = static_cast<size_t>(lf - p) - 1;  // the '\r'
          lex_ = t == ',' ? kDStart : t == '(' ? kBStart : kLexNone;
          if (lex_ != kLexNone) {
            for (size_t k = i + 1; k <= e; k++) lex_ = Lex(lex_, p[k]);
          }
          const size_t len = e - i - 1;
          const char* head = reinterpret_cast<const char*>(p + i + 1);
          i = e + 2;
          if (!EndLine(head, len, static_cast<int64_t>(len), abs + static_cast<int64_t>(i), elems, &done)) return kProtocolError;
          if (done) return static_cast<int64_t>(i);
          continue;
        }
      }
      lex_ = t == ',' ? kDStart : t == '(' ? kBStart : kLexNone;
      inLine_ = true;
      sawCR_ = false;
      lineLen_ = 0;
      lineTotal_ = 0;
      i++;
      continue;
    }
    // Inside a line that began in an earlier read (or is odd), which ends at "\r\n". Only its
    // first bytes are kept: enough for a number or to recognise a redirect; doubles and big
    // numbers are checked as they pass.
    const uint8_t* start = p + i;
    const uint8_t* lf = static_cast<const uint8_t*>(memchr(start, '\n', n - i));
    size_t upto = lf ? static_cast<size_t>(lf - start) : n - i;
    for (size_t k = 0; k < upto && lineLen_ < sizeof(line_); k++) line_[lineLen_++] = static_cast<char>(start[k]);
    if (lex_ != kLexNone) {
      for (size_t k = 0; k < upto; k++) lex_ = Lex(lex_, start[k]);
      if (lex_ == kLexBad) return kProtocolError;
    }
    if (upto > 0) sawCR_ = start[upto - 1] == '\r';
    lineTotal_ += upto;
    i += upto;
    if (!lf) return kNeedMore;
    i++;
    if (!sawCR_) {
      if (lineType_ != '+' && lineType_ != '-') return kProtocolError;
      lineTotal_++;  // a bare '\n' is text inside a status or error line
      if (lineLen_ < sizeof(line_)) line_[lineLen_++] = '\n';
      continue;
    }
    inLine_ = false;
    if (!EndLine(line_, lineLen_, lineTotal_ - 1, abs + static_cast<int64_t>(i), elems, &done)) return kProtocolError;
    if (done) return static_cast<int64_t>(i);
  }
  return kNeedMore;
}

}  // namespace slotproxy
