// Reads the target of a MOVED/ASK error. The bytes come from a server, but a proxy in front of
// many clients treats them like input: the slot is range-checked and the address validated
// before either is used (ioredis had a prototype-pollution report from exactly this spot).
import { SLOTS } from './slot-map';
import { formatAddress } from './cluster-slots';

export interface RedirectTarget {
  slot: number;
  address: string; // "host:port"
}

/** `frame` is the whole error reply, e.g. "-MOVED 3999 127.0.0.1:6381\r\n"; null when malformed. */
export function parseRedirect(frame: Buffer, fromHost: string): RedirectTarget | null {
  const text = frame.toString('latin1', 1, Math.min(frame.length, 300)).replace(/\r\n$/, '');
  const m = /^(?:MOVED|ASK) (\d{1,5}) (\S*):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const slot = Number(m[1]);
  const port = Number(m[3]);
  if (slot >= SLOTS || port < 1 || port > 65535) return null;
  let host = m[2];
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  // Redis 7 sends an empty host when the node's endpoint is unknown: the node that answered.
  if (host === '') host = fromHost;
  if (!/^[A-Za-z0-9.\-_:%]+$/.test(host)) return null;
  return { slot, address: formatAddress(host, port) };
}
