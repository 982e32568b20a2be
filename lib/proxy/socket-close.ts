// How the proxy ends a client connection after its last reply (QUIT, a protocol error, an HTTP
// probe ...). Redis writes the reply and then closes the socket for good (freeClient): a client
// that goes on writing gets a reset at its next write. A mere socket.end() sends a FIN and goes
// on reading, so a client that ignores the FIN could keep sending (and the proxy reading) until
// it chose to stop (issue 25 item 9).

/** What ending a client connection needs of its socket (a net.Socket or tls.TLSSocket). */
export interface EndableSocket {
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  /** bytes the socket has not handed to the kernel yet */
  readonly writableLength: number;
  end(cb?: () => void): unknown;
  destroy(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * How long the replies still to write may make no progress before the socket is closed anyway:
 * a client that does not read them must not keep the connection (and its file descriptor) open.
 * A client that reads gets everything, however long that takes.
 */
export const CLOSE_STALL_MS = 1000;

/**
 * Closes `socket` once what was written to it has reached the kernel (at once when that is
 * already so), or when that makes no progress for CLOSE_STALL_MS. Idempotent.
 */
export function closeAfterWrites(socket: EndableSocket, stallMs = CLOSE_STALL_MS): void {
  if (socket.writableEnded || socket.destroyed) return;
  socket.end(() => socket.destroy());
  if (socket.destroyed) return;
  let left = socket.writableLength;
  const timer = setInterval(() => {
    const now = socket.writableLength;
    if (now >= left) socket.destroy();
    else left = now;
  }, stallMs);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}
