// Hash tags for tests that want keys on every master: one tag per master of a proxy's slot map.
import { keySlot } from '../../lib/protocol/crc16';
import type { RunningProxy } from './proxy';

/** `{<prefix><i>}` tags, the i-th on map.masters[i] of the proxy's current slot map. */
export function tagPerMaster(proxy: RunningProxy, prefix: string): string[] {
  const map = proxy.proxy.router.slotMap;
  return map.masters.map((master) => {
    for (let i = 0; ; i++) {
      const tag = `{${prefix}${i}}`;
      if (map.owner(keySlot(Buffer.from(tag))) === master) return tag;
    }
  });
}
