// The HTTP endpoint Prometheus scrapes (SLOTPROXY_METRICS_PORT): GET /metrics, nothing else.
import http from 'node:http';
import type { Registry } from 'prom-client';

export class MetricsServer {
  private constructor(private readonly server: http.Server) {}

  /** `beforeScrape` runs before each scrape (the primary of several workers gathers their figures there). */
  static start(registry: Registry, host: string, port: number, onError: (err: Error) => void, beforeScrape?: () => Promise<void>): Promise<MetricsServer> {
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('slotproxy serves its metrics on /metrics\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'Content-Type': 'text/plain', Allow: 'GET, HEAD' }).end('use GET\n');
        return;
      }
      (beforeScrape ? beforeScrape() : Promise.resolve()).then(() => registry.metrics()).then(
        (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${err.message}\n`),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(new Error(`cannot serve metrics on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use (set SLOTPROXY_METRICS_PORT)' : err.message}`));
      });
      server.listen(port, host, () => {
        server.on('error', onError);
        resolve(new MetricsServer(server));
      });
    });
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** Scrapers keep connections alive: they are closed too, or close() would wait for them. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
