// The proxy's own observability and admin commands: SLOWLOG (the proxy's slow log, not the
// nodes'), PROXY TOPOLOGY / CONFIG / REFRESH / CLIENTS / RESETSTAT / HELP, and CONFIG RESETSTAT,
// which resets the proxy's statistics as well as the nodes'. What changes the proxy's behaviour
// (CONFIG SET, REFRESH, RESETSTAT) needs SLOTPROXY_ADMIN_COMMANDS=yes, like CONFIG.
import { SLOTS } from '../../cluster/slot-map';
import { resetProxyStats } from '../../metrics/reset';
import { helpReply, slowlogReply } from '../../metrics/slowlog-reply';
import type { RefresherStats } from '../../metrics/view';
import { encode, error, mapOf, OK, verbatim, type RespValue } from '../../protocol/resp';
import type { ProxyContext, SessionInfo } from '../context';
import type { FamilyHandlers, FamilySession } from '../family';
import { onEveryNode } from './admin';
import { AsyncRequest } from './async-request';
import { clientLine } from './client';
import { AfterEarlier } from './node-fanout';
import { configGet, configSet, RUNTIME_SETTINGS, settingName } from './proxy-config';

/** What PROXY needs of the proxy beyond ProxyContext; lib/server.ts's Proxy provides both. */
interface AdminHost {
  readonly refresher: { readonly stats: RefresherStats; refresh(reason: string): Promise<boolean> };
}

type HostContext = ProxyContext & Partial<AdminHost>;

function answer(session: FamilySession, compute: () => Buffer): void {
  session.enqueue(new AfterEarlier(session, Infinity, compute));
}

function allowed(session: FamilySession, what: string): boolean {
  if (session.ctx.config.adminCommands) return true;
  session.reject(`ERR ${what} is turned off in slotproxy; an operator can allow it with SLOTPROXY_ADMIN_COMMANDS=yes`);
  return false;
}

/** Slot ranges ("0-5460", "7") of each master of the map, by index into map.masters. */
export function slotRanges(owners: Int16Array, masters: number): string[][] {
  const ranges: string[][] = Array.from({ length: masters }, () => []);
  let start = 0;
  for (let s = 1; s <= SLOTS; s++) {
    if (s < SLOTS && owners[s] === owners[start]) continue;
    const i = owners[start];
    if (i >= 0) ranges[i].push(start === s - 1 ? String(start) : `${start}-${s - 1}`);
    start = s;
  }
  return ranges;
}

/** PROXY TOPOLOGY: maps (flat name/value arrays in RESP2). */
function topology(ctx: HostContext, resp3: boolean): Buffer {
  const map = ctx.router.slotMap;
  const ranges = slotRanges(map.owners, map.masters.length);
  const counts = new Array<number>(map.masters.length).fill(0);
  for (let s = 0; s < SLOTS; s++) if (map.owners[s] >= 0) counts[map.owners[s]]++;
  const order = [...new Set([...map.mastersBySlot(), ...map.masters])];
  const refresh = ctx.refresher?.stats;
  const masters: RespValue[] = order.map((address) => {
    const i = map.masters.indexOf(address);
    return mapOf(['address', address, 'slots', ranges[i], 'slot_count', counts[i], 'replicas', [...(map.replicas.get(address) ?? [])]]);
  });
  return encode(
    mapOf([
      'slot_map_age_seconds',
      Math.floor((Date.now() - map.createdAt) / 1000),
      'slots_served',
      map.coveredSlots(),
      'refreshes',
      refresh?.refreshes ?? 0,
      'refresh_failures',
      refresh?.failures ?? 0,
      'last_refresh_error',
      refresh?.lastError ?? '',
      'masters',
      masters,
    ]),
    resp3,
  );
}

/** One line per client, as CLIENT LIST prints them. */
function clientsText(ctx: ProxyContext, me: SessionInfo): string {
  let text = '';
  for (const s of ctx.sessions) text += clientLine(s, me, 'proxy|clients') + '\n';
  return text;
}

const HELP = [
  'PROXY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'TOPOLOGY',
  '    The masters the proxy routes to, with their slot ranges and replicas, and the age of the slot map.',
  'CONFIG GET <pattern> [<pattern> ...]',
  "    The proxy's settings matching the patterns, named like their --flags (slowlog-us ...).",
  'CONFIG SET <name> <value> [<name> <value> ...]',
  `    Change settings of the running proxy: ${RUNTIME_SETTINGS.map(settingName).join(', ')}.`,
  '    Needs SLOTPROXY_ADMIN_COMMANDS=yes.',
  'REFRESH',
  '    Read the topology (CLUSTER SLOTS) now; OK, or the error of the refresh.',
  '    Needs SLOTPROXY_ADMIN_COMMANDS=yes.',
  'CLIENTS',
  "    The proxy's clients, one per line, as CLIENT LIST shows them.",
  'RESETSTAT',
  "    Reset the proxy's statistics (INFO stats, commandstats, latencystats, cluster counters), not the nodes'.",
  '    Needs SLOTPROXY_ADMIN_COMMANDS=yes.',
  'HELP',
  '    Print this help.',
];

function config(session: FamilySession, args: Buffer[]): void {
  const ctx: HostContext = session.ctx;
  const sub = args[2].toString('latin1').toLowerCase();
  const wrongArity = (): void => session.reject(`ERR wrong number of arguments for 'proxy|config|${sub}' command`);
  if (sub === 'get') {
    if (args.length < 4) return wrongArity();
    const seen = new Map<string, string>();
    for (const p of args.slice(3)) {
      const pairs = configGet(ctx.config, p.toString('latin1'));
      for (let i = 0; i < pairs.length; i += 2) seen.set(pairs[i], pairs[i + 1]);
    }
    const flat = [...seen].sort(([a], [b]) => a.localeCompare(b)).flat();
    const resp3 = session.resp3;
    return answer(session, () => encode(mapOf(flat), resp3));
  }
  if (sub === 'set') {
    if (args.length < 5 || (args.length - 3) % 2 !== 0) return wrongArity();
    if (!allowed(session, 'PROXY CONFIG SET')) return;
    const pairs: [string, string][] = [];
    for (let i = 3; i < args.length; i += 2) pairs.push([args[i].toString('latin1'), args[i + 1].toString('latin1')]);
    return answer(session, () => {
      const failed = configSet(ctx, pairs);
      return failed ? error(failed) : OK;
    });
  }
  session.reject(`ERR unknown subcommand '${args[2].toString('latin1').slice(0, 128)}'. Try PROXY HELP.`);
}

function refresh(session: FamilySession): void {
  if (!allowed(session, 'PROXY REFRESH')) return;
  const refresher = (session.ctx as HostContext).refresher;
  if (!refresher) return session.reject('ERR slotproxy: this proxy has no topology refresher');
  session.enqueue(
    new AsyncRequest(session, async () => {
      const ok = await refresher.refresh('PROXY REFRESH');
      return ok ? OK : error(`ERR topology refresh failed: ${refresher.stats.lastError}`);
    }),
  );
}

/** RESETSTAT of this process, and of the other workers when there are several. */
function resetEverywhere(ctx: FamilySession['ctx']): void {
  if (ctx.peers) ctx.peers.resetAll();
  else resetProxyStats(ctx);
}

export const PROXY = {
  slowlog(session, cmd) {
    const args = cmd.args();
    answer(session, () => slowlogReply(session.ctx.slowlog, args));
  },
  topology(session) {
    // (computed once earlier replies are out, in the protocol of the time the command came)
    const resp3 = session.resp3;
    answer(session, () => topology(session.ctx, resp3));
  },
  config: (session, cmd) => config(session, cmd.args()),
  refresh,
  clients(session) {
    const resp3 = session.resp3;
    answer(session, () => verbatim(clientsText(session.ctx, session), resp3));
  },
  resetstat(session) {
    if (!allowed(session, 'PROXY RESETSTAT')) return;
    answer(session, () => {
      resetEverywhere(session.ctx);
      return OK;
    });
  },
  'config-resetstat'(session, cmd) {
    // the nodes' part (and the refusal when admin commands are off) is CONFIG SET's own
    if (session.ctx.config.adminCommands) resetEverywhere(session.ctx);
    onEveryNode(session, cmd);
  },
  help: (session) => answer(session, () => helpReply(HELP)),
} satisfies FamilyHandlers<'proxy'>;
