import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { waitFor } from './server.js';

/** A free TCP port on 127.0.0.1 (bound, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A private redis-server (no persistence) that a test may stop and start again on the same port. */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  /** Starts one on a free port. */
  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) and waits until it accepts connections. */
  async up(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    let open = false;
    await waitFor(() => {
      const socket = net.connect(this.port, '127.0.0.1', () => {
        open = true;
        socket.destroy();
      });
      socket.on('error', () => socket.destroy());
      return open;
    }, 'redis-server to listen', 10_000);
  }

  /** Kills the server (all its data is gone, as with a crash of a cache without persistence). */
  async down(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }
}
