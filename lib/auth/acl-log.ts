// ACL LOG: the proxy's own record of the commands it refused for ACL reasons and of failed logins,
// kept and shown as Redis 7.0 keeps its log (src/acl.c, addACLLogEntry): newest first, at most
// 128 entries (acllog-max-len), and an entry like one of the last 10 (same reason, context,
// object and user, within 60 s) counted again and moved to the front instead of added. Each
// process (worker) keeps its own.

export type AclLogReason = 'command' | 'key' | 'channel' | 'auth';

export interface AclLogEvent {
  readonly reason: AclLogReason;
  /** 'multi' when refused while queued in a transaction */
  readonly context: 'toplevel' | 'multi';
  /** the command ('config|get'), key or channel refused; for 'auth', the command as typed */
  readonly object: string;
  readonly username: string;
  /** the client, as CLIENT LIST prints it */
  readonly clientInfo: string;
}

interface Entry extends AclLogEvent {
  count: number;
  /** Date.now() of the last time it happened */
  at: number;
}

const MAX_LEN = 128;
const GROUPING_MS = 60_000;
const SCAN = 10;

/** A double as Redis 7.0 writes one (%.17g), as a bulk string in RESP2 and a double in RESP3. */
function double(x: number): string {
  const t = x.toPrecision(17);
  return t.includes('e') || !t.includes('.') ? t : t.replace(/0+$/, '').replace(/\.$/, '');
}

const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;

export class AclLog {
  /** newest first */
  private entries: Entry[] = [];

  add(event: AclLogEvent, now = Date.now()): void {
    for (let i = 0; i < Math.min(SCAN, this.entries.length); i++) {
      const e = this.entries[i];
      if (e.reason === event.reason && e.context === event.context && Math.abs(now - e.at) <= GROUPING_MS && e.object === event.object && e.username === event.username) {
        this.entries.splice(i, 1);
        this.entries.unshift({ ...e, clientInfo: event.clientInfo, at: now, count: e.count + 1 });
        return;
      }
    }
    this.entries.unshift({ ...event, count: 1, at: now });
    if (this.entries.length > MAX_LEN) this.entries.length = MAX_LEN;
  }

  reset(): void {
    this.entries = [];
  }

  /** ACL LOG [count]: the newest `count` entries, each a map of 7 fields (RESP2: a flat array). */
  reply(count: number, resp3: boolean, now = Date.now()): Buffer {
    const shown = this.entries.slice(0, Math.max(0, count));
    let out = `*${shown.length}\r\n`;
    for (const e of shown) {
      const age = double((now - e.at) / 1000);
      out += resp3 ? '%7\r\n' : '*14\r\n';
      out += bulk('count') + `:${e.count}\r\n`;
      out += bulk('reason') + bulk(e.reason);
      out += bulk('context') + bulk(e.context);
      out += bulk('object') + bulk(e.object);
      out += bulk('username') + bulk(e.username);
      out += bulk('age-seconds') + (resp3 ? `,${age}\r\n` : bulk(age));
      out += bulk('client-info') + bulk(e.clientInfo);
    }
    return Buffer.from(out, 'latin1');
  }
}
