// Shared by the scanner fuzzers: the input layout, chunking driven by the input, and the check
// that turns a broken invariant into a crash libFuzzer keeps.
//
// Input layout: byte 0 selects the mode (caps, limits, chunk sizes; each fuzzer documents its
// bits), byte 1 seeds the chunk boundaries in its low 7 bits, the rest is the byte stream. Keeping
// the stream verbatim after two bytes makes seeds and crash files readable as protocol text.
//
// When bit 7 of byte 1 is set, "$#\r\n" in the stream stands for the length line of the bulk that
// follows (up to the next "\r\n"): mutations of a payload then keep its frame valid, which random
// byte edits almost never do, so the fuzzer gets past framing into key specs and nesting. The
// reply fuzzer also marks RESP3's length-prefixed types that way ("!#\r\n", "=#\r\n").
#pragma once
#include <sanitizer/asan_interface.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// Prints what broke before trapping: a crash file plus this line is a complete bug report.
#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__);   \
      __builtin_trap();                                                                    \
    }                                                                                      \
  } while (0)

namespace slotproxy_fuzz {

constexpr size_t kInputHeader = 2;

// `types`: the type bytes whose "#" length lines are expanded ("$", or "$!=" for replies).
inline std::vector<uint8_t> ExpandBulkLengths(const uint8_t* p, size_t n, const char* types) {
  std::vector<uint8_t> out;
  out.reserve(n + 16);
  size_t i = 0;
  while (i < n) {
    if (i + 4 <= n && p[i] != 0 && strchr(types, p[i]) && memcmp(p + i + 1, "#\r\n", 3) == 0) {
      const size_t from = i + 4;
      size_t to = from;
      while (to + 1 < n && !(p[to] == '\r' && p[to + 1] == '\n')) to++;
      if (to + 1 >= n) to = n;  // no terminator: the bulk is the rest of the stream
      const std::string line = static_cast<char>(p[i]) + std::to_string(to - from) + "\r\n";
      out.insert(out.end(), line.begin(), line.end());
      out.insert(out.end(), p + from, p + to);  // taken literally, even a "$#" inside
      i = to;
      continue;
    }
    out.push_back(p[i++]);
  }
  return out;
}

// The stream an input stands for (see the layout above).
inline std::vector<uint8_t> StreamOf(const uint8_t* data, size_t size, const char* lengthTypes = "$") {
  if (data[1] & 0x80) return ExpandBulkLengths(data + kInputHeader, size - kInputHeader, lengthTypes);
  return std::vector<uint8_t>(data + kInputHeader, data + size);
}

// Socket reads of random sizes. The size class comes from the mode: single bytes find every
// resume point, large reads the many-records-per-call paths, one chunk the plain case.
class Chunker {
 public:
  Chunker(uint8_t modeBits, uint8_t seed) : state_(0x9e3779b9u ^ ((seed & 0x7fu) * 0x01000193u)) {
    static const size_t kMax[] = {3, 16, 512, 0};
    max_ = kMax[modeBits & 3];
  }
  size_t Next(size_t remaining) {
    if (max_ == 0 || remaining <= 1) return remaining;
    size_t n = 1 + Rand() % max_;
    return n < remaining ? n : remaining;
  }
  bool Coin() { return Rand() & 1; }
  uint32_t Pick(uint32_t n) { return Rand() % n; }

 private:
  uint32_t Rand() {  // xorshift32: cheap, and the same input always splits the same way
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }
  uint32_t state_;
  size_t max_;
};

// A read buffer of exactly its length, so ASan reports any byte read past the end.
class ReadBuffer {
 public:
  explicit ReadBuffer(size_t n) : n_(n), p_(static_cast<uint8_t*>(malloc(n ? n : 1))) {}
  ~ReadBuffer() {
    ASAN_UNPOISON_MEMORY_REGION(p_, n_);
    free(p_);
  }
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;
  uint8_t* data() { return p_; }
  size_t size() const { return n_; }
  // Bytes before a scan's start belong to frames already reported; the scanner must not read them.
  void Hide(size_t upto) { ASAN_POISON_MEMORY_REGION(p_, upto); }
  void Unhide(size_t upto) { ASAN_UNPOISON_MEMORY_REGION(p_, upto); }

 private:
  size_t n_;
  uint8_t* p_;
};

}  // namespace slotproxy_fuzz
