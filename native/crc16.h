// CRC16-CCITT (XMODEM), the hash Redis Cluster uses for key slots
// (cluster spec, "Keys distribution model": HASH_SLOT = CRC16(key) mod 16384).
#pragma once
#include <cstddef>
#include <cstdint>

namespace slotproxy {

extern const uint16_t kCrc16Table[256];

inline uint16_t Crc16Step(uint16_t crc, uint8_t b) {
  return static_cast<uint16_t>((crc << 8) ^ kCrc16Table[((crc >> 8) ^ b) & 0xff]);
}

inline uint16_t Crc16(const uint8_t* p, size_t n) {
  uint16_t crc = 0;
  for (size_t i = 0; i < n; i++) crc = Crc16Step(crc, p[i]);
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
  for (size_t i = 0; i < n; i++) {
    if (key[i] == '{') return TaggedSlot(key, n, i);
    crc = Crc16Step(crc, key[i]);
  }
  return crc & 16383;
}

}  // namespace slotproxy
