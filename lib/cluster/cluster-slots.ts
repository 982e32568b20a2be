// Decodes a CLUSTER SLOTS reply into a SlotMap.
import { SLOTS, SlotMap, type ShardInfo } from './slot-map';

function endpoint(entry: unknown, askedHost: string): string | null {
  if (!Array.isArray(entry) || entry.length < 2) return null;
  let host = entry[0] === null || entry[0] === undefined ? '' : String(entry[0]);
  const port = Number(entry[1]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  // Redis answers "" (or "?") when the node does not know its own address: it is the one asked.
  if (host === '' || host === '?') host = askedHost;
  return formatAddress(host, port);
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parseAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(i + 1)) };
}

/** Throws when the reply is not a CLUSTER SLOTS reply. */
export function parseClusterSlots(reply: unknown, askedHost: string): SlotMap {
  if (!Array.isArray(reply)) throw new Error('CLUSTER SLOTS did not answer an array');
  const ranges: { start: number; end: number; shard: ShardInfo }[] = [];
  for (const row of reply) {
    if (!Array.isArray(row) || row.length < 3) throw new Error('CLUSTER SLOTS row is not [start, end, master, ...]');
    const start = Number(row[0]);
    const end = Number(row[1]);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end >= SLOTS || start > end) {
      throw new Error(`CLUSTER SLOTS row has a bad range ${row[0]}-${row[1]}`);
    }
    const master = endpoint(row[2], askedHost);
    if (!master) throw new Error('CLUSTER SLOTS row has no usable master address');
    const replicas = row
      .slice(3)
      .map((r: unknown) => endpoint(r, askedHost))
      .filter((r: string | null): r is string => r !== null);
    ranges.push({ start, end, shard: { master, replicas } });
  }
  return SlotMap.fromRanges(ranges);
}
