import net from 'node:net';

/** An unused TCP port on 127.0.0.1, chosen by the kernel. */
// Listening on port 0 is what get-port does too, and get-port is ESM-only, which this CommonJS build cannot load.
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    what: string,
    variable: string,
  ) {
    super(`Port ${port} for ${what} is already in use: stop what holds it or set ${variable} to another port.`);
    this.name = 'PortInUseError';
  }
}

/** Throws PortInUseError when something already listens on the port. */
export async function assertPortFree(port: number, what: string, variable: string): Promise<void> {
  const inUse = await canConnect(port);
  if (inUse) throw new PortInUseError(port, what, variable);
}

function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until something accepts connections on the port, or fails after timeoutMs. */
export async function waitForPort(port: number, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return;
    if (!isAlive()) throw new Error(`the process meant to listen on port ${port} exited`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}
