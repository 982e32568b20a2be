// CRC16-CCITT (XMODEM), the hash Redis Cluster uses for key slots
// (cluster spec, "Keys distribution model": HASH_SLOT = CRC16(key) mod 16384).
#pragma once
#include <cstddef>
#include <cstdint>

namespace slotproxy {

extern const uint16_t kCrc16Table[256];

inline uint16_t Crc16(const uint8_t* p, size_t n) {
  uint16_t crc = 0;
  for (size_t i = 0; i < n; i++) crc = static_cast<uint16_t>((crc << 8) ^ kCrc16Table[((crc >> 8) ^ p[i]) & 0xff]);
  return crc;
}

// Only the part between the first '{' and the next '}' is hashed when it is non-empty
// (the "hash tag" rule), so users can force related keys into one slot.
inline int KeySlot(const uint8_t* key, size_t n) {
  for (size_t s = 0; s < n; s++) {
    if (key[s] == '{') {
      for (size_t e = s + 1; e < n; e++) {
        if (key[e] == '}') {
          if (e == s + 1) break;
          return Crc16(key + s + 1, e - s - 1) & 16383;
        }
      }
      break;
    }
  }
  return Crc16(key, n) & 16383;
}

}  // namespace slotproxy
