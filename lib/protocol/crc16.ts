// CRC16-XMODEM and the Redis Cluster key slot, for the JS scanners and the control path.
// native/crc16.h is the hot-path twin.

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

export function crc16(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ buf[i]) & 0xff];
  return crc;
}

/** Slot of buf[start, end), hashing only a non-empty `{tag}` when there is one. */
export function keySlot(buf: Uint8Array, start = 0, end = buf.length): number {
  for (let s = start; s < end; s++) {
    if (buf[s] === 123 /* { */) {
      for (let e = s + 1; e < end; e++) {
        if (buf[e] === 125 /* } */) {
          if (e > s + 1) return crc16(buf, s + 1, e) & 16383;
          break;
        }
      }
      break;
    }
  }
  return crc16(buf, start, end) & 16383;
}

export function slotOf(key: string | Uint8Array): number {
  const b = typeof key === 'string' ? Buffer.from(key) : key;
  return keySlot(b, 0, b.length);
}
