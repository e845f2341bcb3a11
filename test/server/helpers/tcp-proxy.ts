import net from 'node:net';

/**
 * A TCP proxy in front of a real server (PostgreSQL, Redis) that a test can make misbehave the
 * way networks do: cut every connection at once, hold every byte back for a while, or lose the
 * reply to one request (`dropReplyAfter`), which is how a COMMIT's reply gets lost.
 */
export class TcpProxy {
  /** Extra delay, in ms, of every chunk in either direction. */
  delayMs = 0;
  private readonly server: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  /** When set, the connection whose client sends a chunk matching it is cut before any reply. */
  private dropReply: ((chunk: Buffer) => boolean) | null = null;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.connect(client));
  }

  /** Starts a proxy on a free port of 127.0.0.1 forwarding to `port` on 127.0.0.1. */
  static async start(port: number): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Cuts every open connection (both sides see it closed). New connections still work. */
  cutAll(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /**
   * The next time a client sends a chunk for which `matches` holds, the chunk reaches the server
   * but the connection is cut before its reply comes back. Resolves once that happened.
   */
  dropReplyAfter(matches: (chunk: Buffer) => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.dropReply = (chunk) => {
        if (!matches(chunk)) return false;
        this.dropReply = null;
        resolve();
        return true;
      };
    });
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private connect(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    let dropping = false;
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      if (this.dropReply?.(chunk)) dropping = true;
      this.forward(upstream, chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (dropping) return end();
      this.forward(client, chunk);
    });
  }

  private forward(to: net.Socket, chunk: Buffer): void {
    if (this.delayMs === 0) {
      if (!to.destroyed) to.write(chunk);
      return;
    }
    // Same delay for every chunk: order is kept.
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, this.delayMs);
  }
}
