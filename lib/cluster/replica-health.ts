// Which replicas may serve reads, and which clients each may serve (control path). A round asks
// each master INFO replication, and as soon as it answers (or fails) its replicas. Rounds start
// every SLOTPROXY_REPLICA_POLL_MS while a read went to a master because the replicas had not yet
// reached its client's latest write (want()); otherwise every IDLE_ROUND_MS, which is enough to
// measure lag and notice a replica gone. A master's answers go into its OffsetHistory; a
// replica's offset is placed in its master's history, which says how old its data is at most
// (its lag) and which round's master offset it has reached (its safe round).
//
// Read your writes rests on the rounds: a client's write was applied on its master before the
// proxy saw the reply, so the master's offset read by any round started after that reply covers
// it. Once a replica's offset reaches that round's master offset, the replica holds the write
// (docs/operations.md, "Reads from replicas", has the whole argument).
import { ControlConnection, RedisReplyError, type ControlOptions } from '../backend/control-connection';
import { parseAddress } from './cluster-slots';
import { OffsetHistory } from './offset-history';
import type { SlotMap } from './slot-map';

export interface ReplicaHealthOptions {
  /** read at every round: changing them takes effect at the next one */
  pollMs: number;
  maxLagMs: number;
  control: ControlOptions;
}

/** What the read routing reads of a node for each read; the poller keeps it up to date. */
export class NodeReadState {
  /** a replica: may serve reads now; a master: answers */
  usable = false;
  /** a replica: the latest round whose master offset it reached (-1: none) */
  safeRound = -1;
  /** a replica: at most this many ms behind its master at the last poll (-1: not measured) */
  lagMs = -1;
  /** the node's replication offset at the last poll (-1: not polled) */
  offset = -1;
  /** why it is not usable ('' when it is) */
  reason = 'not polled yet';
  /** reads the router sent it as a replica */
  reads = 0;

  constructor(readonly address: string) {}

  /** Takes no reads, for `reason`. */
  refuse(reason: string): void {
    this.usable = false;
    this.reason = reason;
  }
}

export interface HealthEvents {
  /** `address` stopped answering or cannot be reached: reads waiting there should go elsewhere */
  unreachable(address: string, reason: string): void;
}

interface Probe {
  readonly address: string;
  readonly state: NodeReadState;
  role: 'master' | 'replica';
  conn: ControlConnection | null;
  /** a poll (or its connect) is outstanding since sentAt */
  busy: boolean;
  sentAt: number;
  /** after a failed connection: no new one before this (Date.now()) */
  retryAt: number;
  backoffMs: number;
  /** unreachable() was reported for the poll outstanding */
  stalled: boolean;
  /** masters: their offsets, round by round */
  history: OffsetHistory | null;
}

const REPLICATION = ['INFO', 'replication'] as const;

/** Rounds when no read waits for one: lag and failures are still measured this often. */
export const IDLE_ROUND_MS = 100;

/** One field of an INFO reply ("\r\nname:value\r\n"); '' when missing. */
export function infoValue(text: string, name: string): string {
  const key = `\n${name}:`;
  const at = text.indexOf(key);
  if (at < 0) return '';
  const start = at + key.length;
  const end = text.indexOf('\r', start);
  return text.slice(start, end < 0 ? text.length : end);
}

export class ReplicaHealth {
  /** the latest round started (0: none yet) */
  private round = 0;
  private readonly probes = new Map<string, Probe>();
  private shards: { master: string; replicas: readonly string[] }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** a read went to a master for want of a replica that reached its client's round */
  private wanted = false;
  private lastRoundAt = 0;

  constructor(
    private readonly options: ReplicaHealthOptions,
    private readonly events: HealthEvents,
  ) {}

  /** The round a poll started from now on belongs to: what a write answered now must wait for. */
  get nextRound(): number {
    return this.round + 1;
  }

  /** The state of `address` (a node of the map watch() was given), kept while the map lists it. */
  state(address: string): NodeReadState {
    return (this.probes.get(address) ?? this.probe(address, 'replica')).state;
  }

  /** Every node polled. */
  states(): NodeReadState[] {
    return [...this.probes.values()].map((p) => p.state);
  }

  /** The nodes to poll: the map's masters and replicas. A node that changed role starts over. */
  watch(map: SlotMap): void {
    const keep = new Set<string>();
    this.shards = map.masters.map((master, i) => ({ master, replicas: map.replicaLists[i] }));
    for (const { master, replicas } of this.shards) {
      this.probe(master, 'master');
      keep.add(master);
      for (const r of replicas) {
        this.probe(r, 'replica');
        keep.add(r);
      }
    }
    for (const [address, p] of this.probes) {
      if (keep.has(address)) continue;
      p.conn?.close();
      p.state.refuse('not in the slot map');
      this.probes.delete(address);
    }
  }

  /** A read went to a master because no replica had reached its client's round: round soon. */
  want(): void {
    this.wanted = true;
  }

  start(): void {
    const next = (): void => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        const now = Date.now();
        if (this.wanted || now - this.lastRoundAt >= Math.max(IDLE_ROUND_MS, this.options.pollMs)) this.tick(now);
        next();
      }, this.options.pollMs);
      this.timer.unref();
    };
    next();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const p of this.probes.values()) p.conn?.close();
    this.probes.clear();
  }

  /** One round: every master, then its replicas once it answered (at once if it is still busy). */
  tick(now = Date.now()): void {
    const round = ++this.round;
    this.wanted = false;
    this.lastRoundAt = now;
    for (const shard of this.shards) {
      const master = this.probes.get(shard.master);
      if (!master) continue;
      const sent = this.poll(master, now, (text, sentAt) => this.masterAnswered(master, round, text, sentAt), () => this.pollReplicas(shard.replicas, master, Date.now()));
      if (!sent) this.pollReplicas(shard.replicas, master, now);
    }
  }

  private pollReplicas(replicas: readonly string[], master: Probe, now: number): void {
    for (const address of replicas) {
      const p = this.probes.get(address);
      if (p) this.poll(p, now, (text) => this.replicaAnswered(p, master, text, Date.now()), () => {});
    }
  }

  private probe(address: string, role: 'master' | 'replica'): Probe {
    let p = this.probes.get(address);
    if (!p) {
      p = { address, state: new NodeReadState(address), role, conn: null, busy: false, sentAt: 0, retryAt: 0, backoffMs: 0, stalled: false, history: null };
      this.probes.set(address, p);
    } else if (p.role !== role) {
      // what it said in its old role says nothing of it in the new one
      p.role = role;
      p.state.safeRound = -1;
      p.state.lagMs = -1;
      p.state.refuse(`became a ${role}`);
    }
    if (role === 'master' && !p.history) p.history = new OffsetHistory(this.historySize());
    return p;
  }

  /** Enough rounds to measure a lag up to the limit. */
  private historySize(): number {
    return Math.min(8192, Math.max(64, Math.ceil(this.options.maxLagMs / this.options.pollMs) + 16));
  }

  /**
   * Asks `p` for INFO replication unless a poll is outstanding (then checks how long) or a failed
   * connection is backing off. `answered` gets the reply; `after` runs once it is settled, either
   * way. Returns false when nothing was sent.
   */
  private poll(p: Probe, now: number, answered: (text: string, sentAt: number) => void, after: () => void): boolean {
    if (p.busy) {
      const silentMs = now - p.sentAt;
      if (silentMs > this.options.maxLagMs && !p.stalled) {
        p.stalled = true;
        const reason = `no answer for ${silentMs} ms (SLOTPROXY_REPLICA_MAX_LAG_MS ${this.options.maxLagMs})`;
        p.state.refuse(reason);
        this.events.unreachable(p.address, reason);
      }
      return false;
    }
    if (now < p.retryAt) return false;
    p.busy = true;
    p.sentAt = now;
    void this.ask(p)
      .then(
        (text) => {
          p.backoffMs = 0;
          if (this.probes.get(p.address) === p) answered(text, p.sentAt);
        },
        (err: Error) => this.failed(p, err),
      )
      .finally(() => {
        p.busy = false;
        p.stalled = false;
        if (!this.stopped) after();
      });
    return true;
  }

  private async ask(p: Probe): Promise<string> {
    if (!p.conn) {
      const { host, port } = parseAddress(p.address);
      const conn = await ControlConnection.connect(host, port, this.options.control);
      if (this.stopped || this.probes.get(p.address) !== p) {
        conn.close();
        throw new Error('no longer polled');
      }
      p.conn = conn;
    }
    return String(await p.conn.call(...REPLICATION));
  }

  private failed(p: Probe, err: Error): void {
    const reason = err instanceof RedisReplyError ? `answered INFO replication with "${err.message}"` : err.message;
    p.conn?.close();
    p.conn = null;
    p.backoffMs = Math.min(1000, p.backoffMs ? p.backoffMs * 2 : 50);
    p.retryAt = Date.now() + p.backoffMs;
    p.state.refuse(reason);
    if (p.role === 'replica') this.events.unreachable(p.address, reason);
  }

  private masterAnswered(p: Probe, round: number, text: string, sentAt: number): void {
    const s = p.state;
    if (p.role !== 'master') return;
    if (infoValue(text, 'role') !== 'master') return s.refuse('answers as a replica (the slot map is behind)');
    const offset = Number(infoValue(text, 'master_repl_offset'));
    if (!Number.isFinite(offset)) return s.refuse('INFO replication has no master_repl_offset');
    p.history!.record(round, offset, sentAt, infoValue(text, 'master_replid'));
    s.offset = offset;
    s.lagMs = 0;
    s.usable = true;
    s.reason = '';
  }

  private replicaAnswered(p: Probe, master: Probe, text: string, now: number): void {
    const s = p.state;
    if (p.role !== 'replica') return;
    if (infoValue(text, 'role') !== 'slave') return s.refuse('answers as a master (the slot map is behind)');
    if (infoValue(text, 'master_sync_in_progress') === '1') return s.refuse('loading a full copy of its master');
    const history = master.history;
    if (!history || history.empty) return s.refuse(`the offset of its master ${master.address} is not known yet`);
    if (infoValue(text, 'master_replid') !== history.replid) return s.refuse(`does not replicate the history of ${master.address}, its master in the slot map`);
    const offset = Number(infoValue(text, 'slave_repl_offset'));
    if (!Number.isFinite(offset)) return s.refuse('INFO replication has no slave_repl_offset');
    const { round, lagMs } = history.standing(offset, now);
    s.offset = offset;
    s.lagMs = lagMs;
    s.safeRound = round;
    if (round < 0) return s.refuse(`behind every offset of ${master.address} polled in the last ${lagMs} ms`);
    if (lagMs > this.options.maxLagMs) return s.refuse(`${lagMs} ms behind ${master.address} (SLOTPROXY_REPLICA_MAX_LAG_MS ${this.options.maxLagMs})`);
    s.usable = true;
    s.reason = '';
  }
}
