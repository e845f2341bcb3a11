/** Which server a load run targets: ours (`server/main.ts`) or the reference `@y/websocket-server`. */
export type TargetKind = 'ours' | 'reference';

/** Storage engine our server runs with during a load run (SQLite by default, as `npm start`); the reference keeps nothing. */
export type LoadStorage = 'memory' | 'sqlite';

/** Settings of one load run, the same for every target so the figures compare. */
export interface LoadOptions {
  /** Preset name shown in the output (`quick`, `full`, or `custom`). */
  preset: string;
  sessions: number;
  participants: number;
  /** Seconds of typing after every client has connected and synced. */
  durationSec: number;
  /** Seeds every participant's typing, so both targets see the same keystroke schedule. */
  seed: number;
  /** Minimum interval between a participant's cursor (awareness) updates; 0 sends none. */
  awarenessMs: number;
  /** Sessions with one idle participant each, opened after the load to measure memory per session. */
  idleSessions: number;
  /** Connection attempts in flight at once during the ramp-up. */
  connectConcurrency: number;
  storage: LoadStorage;
  targets: TargetKind[];
  /** Directory for V8 CPU profiles of both servers (`ours/`, `reference/`) and of the generators (`node --cpu-prof`); undefined takes none. */
  cpuProfDir: string | undefined;
  /** Git revision of our server to bundle and measure (e.g. `HEAD`); undefined takes the working tree. */
  serverRev: string | undefined;
  /** Load runs per target, in alternating order; the table shows each figure's median. */
  rounds: number;
  /** Also time the load of a session with a 100,000-update history (ours only). */
  historyLoad: boolean;
}

/** The presets `--quick` and `--full`; flags given after a preset override its values. */
export const PRESETS: Record<'quick' | 'full', Omit<LoadOptions, 'storage' | 'targets' | 'cpuProfDir' | 'historyLoad' | 'seed' | 'serverRev' | 'rounds'>> = {
  quick: { preset: 'quick', sessions: 50, participants: 2, durationSec: 20, awarenessMs: 250, idleSessions: 200, connectConcurrency: 50 },
  full: { preset: 'full', sessions: 5000, participants: 2, durationSec: 30, awarenessMs: 250, idleSessions: 2000, connectConcurrency: 200 },
};

/** Whether `argv` asks for a load run at all (any flag); without flags `npm run bench` runs everything. */
export function wantsLoadOnly(argv: string[]): boolean {
  return argv.length > 0;
}

/** Parses `--quick`, `--full`, `--sessions S`, `--participants k`, `--duration SEC` and the rest; throws on a bad flag. */
export function parseLoadArgs(argv: string[]): LoadOptions {
  const options: LoadOptions = { ...PRESETS.quick, seed: 1, storage: 'sqlite', targets: ['ours', 'reference'], cpuProfDir: undefined, serverRev: undefined, historyLoad: true, rounds: 1 };
  const number = (flag: string, raw: string | undefined, min: number, max: number): number => {
    const value = Number(raw);
    if (raw === undefined || !Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${flag} ${JSON.stringify(raw ?? '')} must be an integer from ${min} to ${max}`);
    }
    return value;
  };
  let custom = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const next = (): string | undefined => argv[++i];
    switch (flag) {
      case '--quick':
        Object.assign(options, PRESETS.quick);
        break;
      case '--full':
        Object.assign(options, PRESETS.full);
        break;
      case '--sessions':
        options.sessions = number(flag, next(), 1, 20_000);
        custom = true;
        break;
      case '--participants':
        options.participants = number(flag, next(), 2, 50);
        custom = true;
        break;
      case '--duration':
        options.durationSec = number(flag, next(), 1, 600);
        custom = true;
        break;
      case '--seed':
        options.seed = number(flag, next(), 0, 2 ** 31);
        break;
      case '--rounds':
        options.rounds = number(flag, next(), 1, 20);
        break;
      case '--awareness-ms':
        options.awarenessMs = number(flag, next(), 0, 60_000);
        break;
      case '--idle-sessions':
        options.idleSessions = number(flag, next(), 0, 10_000);
        break;
      case '--storage': {
        const value = next();
        if (value !== 'memory' && value !== 'sqlite') throw new RangeError(`--storage ${JSON.stringify(value ?? '')} must be memory or sqlite`);
        options.storage = value;
        break;
      }
      case '--only': {
        const value = next();
        if (value !== 'ours' && value !== 'reference') throw new RangeError(`--only ${JSON.stringify(value ?? '')} must be ours or reference`);
        options.targets = [value];
        break;
      }
      case '--cpu-prof': {
        const value = next();
        if (!value) throw new RangeError('--cpu-prof needs a directory');
        options.cpuProfDir = value;
        break;
      }
      case '--server-rev': {
        const value = next();
        if (!value || !/^[\w./~^-]+$/.test(value)) throw new RangeError(`--server-rev ${JSON.stringify(value ?? '')} must be a git revision such as HEAD`);
        options.serverRev = value;
        break;
      }
      case '--no-history':
        options.historyLoad = false;
        break;
      default:
        throw new RangeError(`unknown flag ${JSON.stringify(flag)} (try --quick, --full, --sessions S --participants k --duration SEC)`);
    }
  }
  if (custom) options.preset = 'custom';
  // 20,000 open files per process: each client needs one, plus a margin for the process itself.
  const connections = options.sessions * options.participants;
  if (Math.max(connections, options.idleSessions) > 19_000) {
    throw new RangeError(`${Math.max(connections, options.idleSessions)} connections exceed the 19,000 a process may hold here`);
  }
  return options;
}
