/**
 * Runs one JavaScript program inside the runner worker: `console.*` goes to the output sink,
 * timers and fetches are counted so the run ends when the program has nothing left to do, and
 * uncaught errors and unhandled rejections end it with an error. The code is imported as a module
 * from a `data:` URL (top-level `await` works) whose `sourceURL` is `main.js`, so stack frames carry
 * the user's own line numbers.
 */
import type { RunSink } from './run-sink.js';
import { errorText, formatArgs, inspect } from './inspect.js';

type Finish = (status: 'ok' | 'error') => void;
type TimerFn = (handler: unknown, ms?: number, ...args: unknown[]) => number;

/** Runs `code` once; `finish` is called exactly once when the program is done or failed. */
export function runJavaScript(code: string, sink: RunSink, finish: Finish): void {
  const scope = globalThis as unknown as Record<string, unknown>;
  let done = false;
  let mainDone = false;
  let pendingFetches = 0;
  const timers = new Set<number>();
  const end = (status: 'ok' | 'error'): void => {
    if (done) return;
    done = true;
    finish(status);
  };

  const realSetTimeout = scope.setTimeout as TimerFn;
  const realSetInterval = scope.setInterval as TimerFn;
  const realClearTimeout = scope.clearTimeout as (id?: number) => void;
  const realClearInterval = scope.clearInterval as (id?: number) => void;
  // The run is over once the main module finished and no timer or fetch can call back into it.
  const checkIdle = (): void => {
    if (!mainDone || timers.size > 0 || pendingFetches > 0) return;
    realSetTimeout(() => {
      if (timers.size === 0 && pendingFetches === 0) end('ok');
    }, 0);
  };
  const wrap = (handler: unknown, once: boolean, id: () => number): (() => void) => {
    if (typeof handler !== 'function') throw new TypeError('setTimeout/setInterval need a function (strings are not evaluated here)');
    return (...args: unknown[]) => {
      if (once) timers.delete(id());
      try {
        (handler as (...a: unknown[]) => void)(...args);
      } finally {
        if (once) checkIdle();
      }
    };
  };
  scope.setTimeout = (handler: unknown, ms?: number, ...args: unknown[]): number => {
    let id = 0;
    id = realSetTimeout(wrap(handler, true, () => id), ms, ...args);
    timers.add(id);
    return id;
  };
  scope.setInterval = (handler: unknown, ms?: number, ...args: unknown[]): number => {
    let id = 0;
    id = realSetInterval(wrap(handler, false, () => id), ms, ...args);
    timers.add(id);
    return id;
  };
  scope.clearTimeout = (id?: number): void => {
    realClearTimeout(id);
    if (id !== undefined && timers.delete(id)) checkIdle();
  };
  scope.clearInterval = (id?: number): void => {
    realClearInterval(id);
    if (id !== undefined && timers.delete(id)) checkIdle();
  };
  const realFetch = scope.fetch as (...args: unknown[]) => Promise<unknown>;
  scope.fetch = (...args: unknown[]): Promise<unknown> => {
    pendingFetches += 1;
    return realFetch(...args).finally(() => {
      pendingFetches -= 1;
      realSetTimeout(checkIdle, 0);
    });
  };

  scope.console = makeConsole(sink);
  (globalThis as unknown as EventTarget).addEventListener('error', (event) => {
    const e = event as ErrorEvent;
    e.preventDefault();
    sink.output('stderr', `Uncaught ${e.error !== undefined ? errorText(e.error) : `${e.message} (main.js:${e.lineno})`}\n`);
    end('error');
  });
  (globalThis as unknown as EventTarget).addEventListener('unhandledrejection', (event) => {
    const e = event as PromiseRejectionEvent;
    e.preventDefault();
    sink.output('stderr', `Uncaught (in promise) ${errorText(e.reason)}\n`);
    end('error');
  });

  const source = `${code}\n//# sourceURL=main.js`;
  import(/* @vite-ignore */ `data:text/javascript;charset=utf-8,${encodeURIComponent(source)}`).then(
    () => {
      mainDone = true;
      checkIdle();
    },
    (error: unknown) => {
      sink.output('stderr', `Uncaught ${errorText(error)}\n`);
      end('error');
    },
  );
}

function makeConsole(sink: RunSink): Console {
  let indent = '';
  const counts = new Map<string, number>();
  const timers = new Map<string, number>();
  const out = (stream: 'stdout' | 'stderr') => (...args: unknown[]): void => {
    const text = formatArgs(args);
    sink.output(stream, (indent ? text.replace(/^/gm, indent) : text) + '\n');
  };
  const log = out('stdout');
  const error = out('stderr');
  const methods: Partial<Console> = {
    log,
    info: log,
    debug: log,
    dir: (value: unknown) => log(inspect(value, 1)),
    table: (value: unknown) => log(inspect(value, 1)),
    warn: error,
    error,
    trace: (...args: unknown[]) => error('Trace:', ...args),
    assert: (condition?: boolean, ...args: unknown[]) => {
      if (!condition) error('Assertion failed' + (args.length ? ':' : ''), ...args);
    },
    count: (label = 'default') => {
      const n = (counts.get(label) ?? 0) + 1;
      counts.set(label, n);
      log(`${label}: ${n}`);
    },
    countReset: (label = 'default') => void counts.delete(label),
    time: (label = 'default') => void timers.set(label, performance.now()),
    timeLog: (label = 'default', ...args: unknown[]) => log(`${label}: ${elapsed(timers, label)}`, ...args),
    timeEnd: (label = 'default') => {
      log(`${label}: ${elapsed(timers, label)}`);
      timers.delete(label);
    },
    group: (...args: unknown[]) => {
      if (args.length) log(...args);
      indent += '  ';
    },
    groupCollapsed: (...args: unknown[]) => {
      if (args.length) log(...args);
      indent += '  ';
    },
    groupEnd: () => void (indent = indent.slice(2)),
    clear: () => undefined,
  };
  return methods as Console;
}

function elapsed(timers: Map<string, number>, label: string): string {
  const start = timers.get(label);
  return start === undefined ? `(no such label)` : `${(performance.now() - start).toFixed(3)}ms`;
}
