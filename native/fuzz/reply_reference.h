// An independent reading of the reply rules of native/resp_framer.h, for reply_scanner_fuzzer:
// the whole stream at once, by recursion, written apart from the scanner (no shared code), so
// that the frames one scan of the stream gives can be checked against it, not only against the
// invariants. It stops at the first reply it cannot finish: malformed (the scanner must fail
// there) or cut off by the end of the stream (the scanner may fail early on a bad prefix of a
// double, big number or verbatim string, so only the frames before it are compared).
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

namespace slotproxy_fuzz {

struct RefFrame {
  int64_t end;
  int32_t type, redirect, attrib;
  std::vector<int64_t> elems;  // element ends of a top-level aggregate
};

class ReplyReference {
 public:
  enum Status { kComplete, kCutOff, kMalformed };

  ReplyReference(const uint8_t* p, size_t n) : p_(p), n_(n) {}

  // Reads every reply of the stream into frames; says how the reading stopped.
  Status Read(std::vector<RefFrame>* frames) {
    size_t pos = 0;
    while (pos < n_) {
      RefFrame f{};
      const size_t start = pos;
      Status s = Attributes(&pos);
      if (s != kComplete) return s;
      if (pos >= n_) return kCutOff;
      f.attrib = static_cast<int32_t>(pos - start);
      f.type = p_[pos];
      s = Plain(&pos, /*top=*/true, &f);
      if (s != kComplete) return s;
      f.end = static_cast<int64_t>(pos);
      frames->push_back(std::move(f));
    }
    return kComplete;
  }

 private:
  // Any number of attributes, each "|N" and 2N values.
  Status Attributes(size_t* pos) {
    while (*pos < n_ && p_[*pos] == '|') {
      int64_t count;
      Status s = CountLine(pos, 0, &count);
      if (s != kComplete) return s;
      for (int64_t i = 0; i < 2 * count; i++) {
        s = Value(pos);
        if (s != kComplete) return s;
      }
    }
    return kComplete;
  }

  Status Value(size_t* pos) {
    Status s = Attributes(pos);
    if (s != kComplete) return s;
    if (*pos >= n_) return kCutOff;
    return Plain(pos, false, nullptr);
  }

  // A value without attributes of its own at *pos; `top`: the frame's reply, noted in *f.
  Status Plain(size_t* pos, bool top, RefFrame* f) {
    const uint8_t t = p_[*pos];
    switch (t) {
      case '+':
      case '-': {
        size_t from, len;
        Status s = TextLine(pos, &from, &len);
        if (s == kComplete && top && t == '-') f->redirect = Redirect(p_ + from, len);
        return s;
      }
      case ':':
      case '_':
      case '#':
      case ',':
      case '(': {
        size_t from, len;
        Status s = Line(pos, &from, &len);
        if (s != kComplete) return s;
        const uint8_t* c = p_ + from;
        bool ok = t == ':' ? Int64(c, len, nullptr)
                  : t == '_' ? len == 0
                  : t == '#' ? len == 1 && (c[0] == 't' || c[0] == 'f')
                  : t == ',' ? Double(c, len)
                             : BigNumber(c, len);
        return ok ? kComplete : kMalformed;
      }
      case '$':
      case '!':
      case '=': {
        size_t from;
        int64_t len;
        Status s = LengthLine(pos, t == '$' ? -1 : t == '=' ? 4 : 0, &len);
        if (s != kComplete || len < 0) return s;
        from = *pos;
        const size_t have = n_ - from;
        if (t == '=' && have > 3 && p_[from + 3] != ':') return kMalformed;
        if (have < static_cast<uint64_t>(len) + 2) return kCutOff;
        if (top && t == '!') f->redirect = Redirect(p_ + from, static_cast<size_t>(len));
        *pos = from + static_cast<size_t>(len) + 2;
        return kComplete;
      }
      case '*':
      case '%':
      case '~':
      case '>': {
        int64_t count;
        Status s = CountLine(pos, t == '*' ? -1 : 0, &count);
        if (s != kComplete) return s;
        if (t == '%') count *= 2;
        for (int64_t i = 0; i < count; i++) {
          s = Value(pos);
          if (s != kComplete) return s;
          if (top) f->elems.push_back(static_cast<int64_t>(*pos));
        }
        return kComplete;
      }
      default:
        return kMalformed;
    }
  }

  // A '+' or '-' line: its text runs to the first "\r\n".
  Status TextLine(size_t* pos, size_t* from, size_t* len) {
    for (size_t i = *pos + 1; i + 1 < n_; i++) {
      if (p_[i] == '\r' && p_[i + 1] == '\n') {
        *from = *pos + 1;
        *len = i - *from;
        *pos = i + 2;
        return kComplete;
      }
    }
    return kCutOff;
  }

  // Any other line: it ends at the first '\n', which must follow a '\r'.
  Status Line(size_t* pos, size_t* from, size_t* len) {
    const void* lf = memchr(p_ + *pos + 1, '\n', n_ - *pos - 1);
    if (!lf) return kCutOff;
    const size_t at = static_cast<size_t>(static_cast<const uint8_t*>(lf) - p_);
    if (at < *pos + 2 || p_[at - 1] != '\r') return kMalformed;
    *from = *pos + 1;
    *len = at - 1 - *from;
    *pos = at + 1;
    return kComplete;
  }

  // A length line: from `min` (-1 for "$-1", the only null) to 2^53 - 3.
  Status LengthLine(size_t* pos, int64_t min, int64_t* v) {
    size_t from, len;
    Status s = Line(pos, &from, &len);
    if (s != kComplete) return s;
    if (!Int64(p_ + from, len, v) || *v < min || *v > (int64_t{1} << 53) - 3) return kMalformed;
    return kComplete;
  }

  // An aggregate's count: from `min` (-1 for "*-1") to 2^31 - 1.
  Status CountLine(size_t* pos, int64_t min, int64_t* v) {
    size_t from, len;
    Status s = Line(pos, &from, &len);
    if (s != kComplete) return s;
    if (!Int64(p_ + from, len, v) || *v < min || *v > 2147483647) return kMalformed;
    if (*v < 0) *v = 0;
    return kComplete;
  }

  static bool Digits(const uint8_t* c, size_t n, size_t* i) {
    const size_t start = *i;
    while (*i < n && c[*i] >= '0' && c[*i] <= '9') ++*i;
    return *i > start;
  }

  static bool Int64(const uint8_t* c, size_t n, int64_t* out) {
    size_t i = n > 0 && c[0] == '-' ? 1 : 0;
    const size_t first = i;
    if (!Digits(c, n, &i) || i != n || n - first > 19) return false;
    __int128 v = 0;
    for (size_t k = first; k < n; k++) v = v * 10 + (c[k] - '0');
    if (first) v = -v;
    if (v > INT64_MAX || v < INT64_MIN) return false;
    if (out) *out = static_cast<int64_t>(v);
    return true;
  }

  static bool Double(const uint8_t* c, size_t n) {
    size_t i = n > 0 && c[0] == '-' ? 1 : 0;
    if (n - i == 3) {  // inf or nan, in any case (setting bit 5 lowers a letter, and makes no letter of another byte)
      const char w[4] = {static_cast<char>(c[i] | 0x20), static_cast<char>(c[i + 1] | 0x20), static_cast<char>(c[i + 2] | 0x20), 0};
      if (strcmp(w, "inf") == 0 || strcmp(w, "nan") == 0) return true;
    }
    if (!Digits(c, n, &i)) return false;
    if (i < n && c[i] == '.') {
      i++;
      if (!Digits(c, n, &i)) return false;
    }
    if (i < n && (c[i] == 'e' || c[i] == 'E')) {
      i++;
      if (i < n && (c[i] == '+' || c[i] == '-')) i++;
      if (!Digits(c, n, &i)) return false;
    }
    return i == n;
  }

  static bool BigNumber(const uint8_t* c, size_t n) {
    size_t i = n > 0 && c[0] == '-' ? 1 : 0;
    return Digits(c, n, &i) && i == n;
  }

  static int32_t Redirect(const uint8_t* c, size_t n) {
    auto is = [&](const char* s) { return n >= strlen(s) && memcmp(c, s, strlen(s)) == 0; };
    return is("MOVED ") ? 1 : is("ASK ") ? 2 : is("TRYAGAIN") ? 3 : is("CLUSTERDOWN") ? 4 : 0;
  }

  const uint8_t* p_;
  size_t n_;
};

}  // namespace slotproxy_fuzz
