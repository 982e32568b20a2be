// The IPC messages between the primary and its workers (SLOTPROXY_WORKERS > 1). Every message is
// a plain object with a `slotproxy` tag, so messages of other libraries on the same channel
// (prom-client's cluster support, for one) pass by untouched.
import type { WorkerSnapshot } from './snapshot';

export type WorkerMessage =
  /** a worker listens; what the start-up line needs */
  | { slotproxy: 'ready'; address: string; scanners: string; reason: string; masters: number; slots: number }
  /** a worker wants every worker's snapshot (INFO) */
  | { slotproxy: 'gather'; id: number }
  /** a worker's answer to 'snapshot' */
  | { slotproxy: 'snapshot'; id: number; snapshot: WorkerSnapshot }
  | ScriptMessage
  /** CONFIG RESETSTAT / PROXY RESETSTAT on one worker resets all of them */
  | { slotproxy: 'resetstat' };

/**
 * SCRIPT LOAD / SCRIPT FLUSH through one worker: every worker must be able to repair a NOSCRIPT
 * (frame: the SCRIPT LOAD command, base64; absent: flushed).
 */
export type ScriptMessage = { slotproxy: 'script'; sha: string; frame: string } | { slotproxy: 'script-flush' };

export type PrimaryMessage =
  | { slotproxy: 'snapshot'; id: number }
  | { slotproxy: 'gathered'; id: number; snapshots: WorkerSnapshot[] }
  | ScriptMessage
  | { slotproxy: 'resetstat' };

export function isMessage<T extends { slotproxy: string }>(m: unknown): m is T {
  return typeof m === 'object' && m !== null && typeof (m as { slotproxy?: unknown }).slotproxy === 'string';
}

/** How long the primary waits for a worker's snapshot before answering without it. */
export const GATHER_TIMEOUT_MS = 1000;
