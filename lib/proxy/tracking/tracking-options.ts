// CLIENT TRACKING's arguments, checked in Redis 7.0's order with its exact errors
// (src/networking.c clientCommand, "tracking"; checkPrefixCollisionsOrReply in src/tracking.c).

export interface TrackingOptions {
  on: boolean;
  /** REDIRECT's client id; 0: none */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** PREFIX arguments, as given (latin1) */
  prefixes: string[];
}

/** What the client has on now, for the checks that compare with it. */
export interface TrackingState {
  readonly bcast: boolean;
  readonly optin: boolean;
  readonly optout: boolean;
  readonly prefixes: readonly string[];
}

const SYNTAX = 'ERR syntax error';
const NOT_INTEGER = 'ERR value is not an integer or out of range';
const INTEGER = /^-?\d+$/;

/** One is a prefix of the other (Redis's stringCheckPrefix). */
export const overlaps = (a: string, b: string): boolean => (a.length <= b.length ? b.startsWith(a) : a.startsWith(b));

/**
 * CLIENT TRACKING's options (`args` from ON|OFF on), or Redis's error. `current`: the client's
 * tracking if it is on; `exists`: whether a client id is connected.
 */
export function parseTracking(args: readonly string[], current: TrackingState | null, exists: (id: number) => boolean): TrackingOptions | string {
  const o: TrackingOptions = { on: false, redirect: 0, bcast: false, optin: false, optout: false, noloop: false, prefixes: [] };
  for (let j = 1; j < args.length; j++) {
    const a = args[j].toLowerCase();
    const more = j < args.length - 1;
    if (a === 'redirect' && more) {
      j++;
      if (o.redirect !== 0) return 'ERR A client can only redirect to a single other client';
      const n = INTEGER.test(args[j]) ? Number(args[j]) : NaN;
      if (!Number.isSafeInteger(n)) return NOT_INTEGER;
      if (!exists(n)) return 'ERR The client ID you want redirect to does not exist';
      o.redirect = n;
    } else if (a === 'bcast') o.bcast = true;
    else if (a === 'optin') o.optin = true;
    else if (a === 'optout') o.optout = true;
    else if (a === 'noloop') o.noloop = true;
    else if (a === 'prefix' && more) o.prefixes.push(args[++j]);
    else return SYNTAX;
  }
  const mode = args[0].toLowerCase();
  if (mode === 'off') return o;
  if (mode !== 'on') return SYNTAX;
  o.on = true;
  if (!o.bcast && o.prefixes.length) return 'ERR PREFIX option requires BCAST mode to be enabled';
  if (current && current.bcast !== o.bcast) {
    return 'ERR You can\'t switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.';
  }
  if (o.bcast && (o.optin || o.optout)) return 'ERR OPTIN and OPTOUT are not compatible with BCAST';
  if (o.optin && o.optout) return 'ERR You can\'t specify both OPTIN mode and OPTOUT mode';
  if (current && ((o.optin && current.optout) || (o.optout && current.optin))) {
    return 'ERR You can\'t switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.';
  }
  if (o.bcast) {
    const p = o.prefixes;
    for (let i = 0; i < p.length; i++) {
      const old = current?.prefixes.find((q) => overlaps(q, p[i]));
      if (old !== undefined) return `ERR Prefix '${p[i]}' overlaps with an existing prefix '${old}'. Prefixes for a single client must not overlap.`;
      for (let j = i + 1; j < p.length; j++) {
        if (overlaps(p[i], p[j])) return `ERR Prefix '${p[i]}' overlaps with another provided prefix '${p[j]}'. Prefixes for a single client must not overlap.`;
      }
    }
  }
  return o;
}

/** The fewest prefixes that cover `all` (none is a prefix of another): what one BCAST connection asks for. */
export function coveringPrefixes(all: Iterable<string>): string[] {
  const sorted = [...new Set(all)].sort();
  const out: string[] = [];
  for (const p of sorted) if (out.length === 0 || !p.startsWith(out[out.length - 1])) out.push(p);
  return out;
}
