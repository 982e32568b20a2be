// Protected mode as Redis has it: with no password for the default user, only clients on the
// loopback interface are served, so a proxy bound to 0.0.0.0 by mistake is not an open door.
import { error } from '../protocol/resp';

export const DENIED = error(
  'DENIED slotproxy is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
    'In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to slotproxy ' +
    'you may adopt one of the following solutions: 1) Set a password for clients with SLOTPROXY_PASSWORD (or users with SLOTPROXY_USERS_FILE). ' +
    '2) Disable protected mode with SLOTPROXY_PROTECTED_MODE=no, but MAKE SURE slotproxy is not publicly accessible from the internet if you do so. ' +
    'NOTE: You only need to do one of the above things in order for the proxy to start accepting connections from the outside.',
);

export function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

/** True when a client from `remote` must get DENIED and be closed. */
export function protectedModeRefuses(protectedMode: boolean, passwordRequired: boolean, remote: string | undefined): boolean {
  return protectedMode && !passwordRequired && !isLoopback(remote);
}
