import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis.js';
import { tempDir, waitFor } from './server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** nginx running deploy/nginx.conf, rewritten to the given upstream ports and a free port. */
export class Nginx {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly remove: () => void,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts nginx in front of `upstreams`; resolves once it accepts connections. */
  static async start(upstreams: number[]): Promise<Nginx> {
    const port = await freePort();
    const prefix = tempDir('interview-room-nginx-');
    let conf = fs.readFileSync(path.join(root, 'deploy', 'nginx.conf'), 'utf8');
    const servers = upstreams.map((upstream) => `    server 127.0.0.1:${upstream} max_fails=1 fail_timeout=5s;`).join('\n');
    conf = conf.replace(/( {4}server 127\.0\.0\.1:\d+ [^\n]*\n)+/, `${servers}\n`).replace('listen 8080;', `listen 127.0.0.1:${port};`);
    conf = conf.replace('worker_processes auto;', 'worker_processes 1;\nuser root;');
    const file = path.join(prefix.dir, 'nginx.conf');
    fs.writeFileSync(file, conf);
    const child = spawn('nginx', ['-p', `${prefix.dir}/`, '-c', file, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] });
    let open = false;
    await waitFor(() => {
      const socket = net.connect(port, '127.0.0.1', () => {
        open = true;
        socket.destroy();
      });
      socket.on('error', () => socket.destroy());
      return open;
    }, 'nginx to listen', 10_000);
    return new Nginx(child, port, prefix.remove);
  }

  /** Stops nginx and removes its files. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    this.remove();
  }
}
