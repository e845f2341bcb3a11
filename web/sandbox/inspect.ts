/**
 * Formats `console.*` arguments the way a developer console prints them, as plain text: strings
 * as they are at the top level, other values through a small `util.inspect`-like printer that
 * survives cycles, getters that throw and very large structures (depth and length are bounded).
 */

const MAX_DEPTH = 3;
const MAX_ITEMS = 100;

/** The text `console.log(...args)` prints. */
export function formatArgs(args: readonly unknown[]): string {
  return args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' ');
}

/** One value as text (strings quoted, as inside a structure). */
export function inspect(value: unknown, depth = 0, seen: Set<object> = new Set()): string {
  try {
    return inspectValue(value, depth, seen);
  } catch {
    return '[uninspectable]';
  }
}

function inspectValue(value: unknown, depth: number, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return depth === 0 ? value : JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
    case 'undefined':
    case 'symbol':
      return String(value);
    case 'function':
      return `[Function: ${value.name || '(anonymous)'}]`;
    default:
      break;
  }
  if (value === null) return 'null';
  const object = value as object;
  if (object instanceof Error) return errorText(object);
  if (seen.has(object)) return '[Circular]';
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
  if (object instanceof RegExp) return String(object);
  if (depth >= MAX_DEPTH) return Array.isArray(object) ? '[Array]' : '[Object]';
  seen.add(object);
  try {
    const inner = (item: unknown): string => inspectValue(item, depth + 1, seen);
    if (Array.isArray(object)) return list('[', ']', object.slice(0, MAX_ITEMS).map(inner), object.length);
    if (object instanceof Map) {
      const entries = [...object].slice(0, MAX_ITEMS).map(([k, v]) => `${inner(k)} => ${inner(v)}`);
      return `Map(${object.size}) ` + list('{', '}', entries, object.size);
    }
    if (object instanceof Set) return `Set(${object.size}) ` + list('{', '}', [...object].slice(0, MAX_ITEMS).map(inner), object.size);
    if (ArrayBuffer.isView(object) && 'length' in object) {
      const items = Array.from(object as unknown as ArrayLike<number>).slice(0, MAX_ITEMS).map(String);
      return `${object.constructor.name}(${(object as unknown as ArrayLike<number>).length}) ` + list('[', ']', items, (object as unknown as ArrayLike<number>).length);
    }
    if (object instanceof Promise) return 'Promise { <pending> }';
    const keys = Object.keys(object);
    const entries = keys.slice(0, MAX_ITEMS).map((key) => `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)}: ${inner((object as Record<string, unknown>)[key])}`);
    const name = object.constructor && object.constructor !== Object && typeof object.constructor.name === 'string' ? `${object.constructor.name} ` : '';
    return name + list('{', '}', entries, keys.length);
  } finally {
    seen.delete(object);
  }
}

function list(open: string, close: string, items: string[], total: number): string {
  if (total > items.length) items.push(`... ${total - items.length} more`);
  if (items.length === 0) return open + close;
  return `${open} ${items.join(', ')} ${close}`;
}

/**
 * An error as `Name: message` plus the stack frames that point into the user's code (`main.js`):
 * the runner's own frames, whose file names are long `data:` URLs, would only be noise.
 */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return `Uncaught ${inspect(error, 1)}`;
  const head = `${error.name}: ${error.message}`;
  const frames: string[] = [];
  for (const line of String(error.stack ?? '').split('\n')) {
    const frame = /^\s+at (?:(.+?) \()?main\.js:(\d+):(\d+)\)?$/.exec(line.trimEnd());
    if (frame) frames.push(`    at ${frame[1] ? `${frame[1]} ` : ''}(main.js:${frame[2]}:${frame[3]})`);
  }
  return [head, ...frames].join('\n');
}
