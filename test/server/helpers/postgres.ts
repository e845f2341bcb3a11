import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './redis.js';

const run = promisify(execFile);

/** The shared test database: `DATABASE_URL` from the environment, else the local PostgreSQL. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let schemaCounter = 0;

/** A schema name no other test (or test process) uses. */
export function uniqueSchema(prefix = 'contract'): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${++schemaCounter}`;
}

/** Drops a schema and everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * A database of its own on the test server, for server processes (which use the `public` schema
 * of whatever DATABASE_URL names); `drop` removes it, ending any connection left.
 */
export async function freshDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = uniqueSchema(prefix).toLowerCase();
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The newest PostgreSQL server binaries installed (Debian layout), or null when there are none. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

/**
 * A throwaway PostgreSQL cluster in a temporary directory, on a free port, that a test may stop
 * and start again. PostgreSQL refuses to run as root, so as root its tools run as the `postgres`
 * OS user (which owns the directory).
 */
export class PrivatePostgres {
  private running = false;

  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** initdb + start; everything is removed again if either fails. */
  static async start(): Promise<PrivatePostgres> {
    const bin = postgresBinDir();
    if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interview-room-pg-'));
    const cluster = new PrivatePostgres(bin, dir, await freePort());
    try {
      if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', dir]);
      await cluster.tool('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C']);
      await cluster.up();
      return cluster;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  /** Connection string of the cluster's `postgres` database. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** Starts the server (again) and waits until it accepts connections. */
  async up(): Promise<void> {
    // fsync off: the test stops the server cleanly (a shutdown checkpoint), never the machine.
    const options = `-k ${this.dir} -p ${this.port} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.tool('pg_ctl', ['start', '-w', '-t', '20', '-D', this.dataDir, '-l', path.join(this.dir, 'server.log'), '-o', options]);
    this.running = true;
  }

  /** Stops the server: `fast` ends every session and rolls back open transactions. */
  async down(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running) return;
    await this.tool('pg_ctl', ['stop', '-w', '-D', this.dataDir, '-m', mode]);
    this.running = false;
  }

  /** Stops the server if it runs and removes its directory; safe to call after a failed start. */
  async destroy(): Promise<void> {
    try {
      if (fs.existsSync(path.join(this.dataDir, 'postmaster.pid'))) {
        await this.tool('pg_ctl', ['stop', '-w', '-D', this.dataDir, '-m', 'immediate']);
      }
    } finally {
      this.running = false;
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** The server log, for a failing test's message. */
  log(): string {
    const file = path.join(this.dir, 'server.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  private async tool(name: string, args: string[]): Promise<void> {
    const file = path.join(this.bin, name);
    const asRoot = process.getuid?.() === 0;
    await run(asRoot ? 'runuser' : file, asRoot ? ['-u', 'postgres', '--', file, ...args] : args, { timeout: 30_000 });
  }
}
