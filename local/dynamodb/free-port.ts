import { createServer } from 'node:net';

/**
 * Asks the kernel for a port nobody listens on, by binding 127.0.0.1:0 and closing again.
 *
 * The port is only free at that instant: another process can take it before DynamoDB Local binds
 * it. The launcher retries with a new port when that happens, so this race stays harmless.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => {
        if (port === undefined) reject(new Error('The kernel returned no port for 127.0.0.1:0'));
        else resolve(port);
      });
    });
  });
}

/**
 * Whether `port` can be bound on 127.0.0.1 right now.
 *
 * DynamoDB Local binds 0.0.0.0; on Linux a listener on either 0.0.0.0 or 127.0.0.1 at that port
 * makes this bind fail too, so one probe covers both.
 */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    });
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
