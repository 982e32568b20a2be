// CRC16-CCITT (XMODEM), the hash Redis Cluster uses for key slots
// (cluster spec, "Keys distribution model": HASH_SLOT = CRC16(key) mod 16384).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace slotproxy {

// t[0] is Redis's crc16tab (crc16.cc); t[k][x] is the CRC of byte x followed by k zero bytes.
// CRC is linear, so four bytes take four independent lookups (Crc16Quad) where the byte-wise
// loop is a chain of dependent ones, which kept the CPU waiting on each lookup
// (bench/results/hot-path-figures.md, "crc").
struct Crc16Slices {
  uint16_t t[4][256];
};
extern const Crc16Slices kCrc16Slices;

inline uint16_t Crc16Step(uint16_t crc, uint8_t b) {
  return static_cast<uint16_t>((crc << 8) ^ kCrc16Slices.t[0][((crc >> 8) ^ b) & 0xff]);
}

inline uint16_t Crc16Quad(uint16_t crc, const uint8_t* p) {
  const Crc16Slices& s = kCrc16Slices;
  return static_cast<uint16_t>(s.t[3][(crc >> 8) ^ p[0]] ^ s.t[2][(crc & 0xff) ^ p[1]] ^ s.t[1][p[2]] ^ s.t[0][p[3]]);
}

inline uint16_t Crc16(const uint8_t* p, size_t n) {
  uint16_t crc = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) crc = Crc16Quad(crc, p + i);
  for (; i < n; i++) crc = Crc16Step(crc, p[i]);
  return crc;
}

// Only the part between the first '{' and the next '}' is hashed when it is non-empty
// (the "hash tag" rule), so users can force related keys into one slot.
inline int TaggedSlot(const uint8_t* key, size_t n, size_t open) {
  for (size_t e = open + 1; e < n; e++) {
    if (key[e] == '}') return e == open + 1 ? Crc16(key, n) & 16383 : Crc16(key + open + 1, e - open - 1) & 16383;
  }
  return Crc16(key, n) & 16383;
}

// One pass: the CRC of the whole key, unless a '{' turns up (then TaggedSlot decides).
inline int KeySlot(const uint8_t* key, size_t n) {
  uint16_t crc = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t w;
    memcpy(&w, key + i, 4);
    const uint32_t x = w ^ 0x7b7b7b7bu;  // a zero byte where the key has a '{'
    if ((x - 0x01010101u) & ~x & 0x80808080u) break;  // the byte loop below finds it
    crc = Crc16Quad(crc, key + i);
  }
  for (; i < n; i++) {
    if (key[i] == '{') return TaggedSlot(key, n, i);
    crc = Crc16Step(crc, key[i]);
  }
  return crc & 16383;
}

}  // namespace slotproxy
