// Opens a TCP or TLS connection to a node. With TLS the connection is usable on 'secureConnect'
// rather than 'connect'; callers wait for the event this returns.
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

/** Certificate files (PEM paths) for TLS to nodes, as redis-cli's --cacert/--cert/--key. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** Reads the files once; a missing one is an error that names it. */
export function readTlsFiles(files: TlsFiles, what: string): TlsMaterial {
  const read = (file: string | undefined, name: string): Buffer | undefined => {
    if (!file) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the ${name} for ${what} (${file}): ${(err as Error).message}`);
    }
  };
  return { ca: read(files.ca, 'CA certificate'), cert: read(files.cert, 'certificate'), key: read(files.key, 'private key') };
}

export function dial(host: string, port: number, tlsMaterial: TlsMaterial | null): { socket: net.Socket; ready: 'connect' | 'secureConnect' } {
  if (!tlsMaterial) return { socket: net.connect({ host, port }), ready: 'connect' };
  const socket = tls.connect({
    host,
    port,
    ca: tlsMaterial.ca,
    cert: tlsMaterial.cert,
    key: tlsMaterial.key,
    // SNI takes names only; an IP address is checked against the certificate's IP entries.
    servername: net.isIP(host) ? undefined : host,
  });
  return { socket, ready: 'secureConnect' };
}
