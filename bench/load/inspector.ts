import { WebSocket } from 'ws';

/**
 * The JavaScript heap a server process keeps alive, read over the V8 inspector (the server runs
 * with `--inspect`): full collections first, then the heap used. Unlike an RSS delta this is not
 * moved by when the collector last ran or how large V8 let the young generation grow, and it
 * works the same for any Node server, ours or the reference.
 */
export async function retainedHeapBytes(inspectUrl: string): Promise<number> {
  return withInspector(inspectUrl, async (call) => {
    // Twice: objects with finalizers or weak references need a second pass to go.
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    return usage.usedSize as number;
  });
}

/** A heap snapshot of the server process (the `.heapsnapshot` JSON text), after a full collection. */
export async function heapSnapshot(inspectUrl: string): Promise<string> {
  return withInspector(inspectUrl, async (call, onEvent) => {
    const chunks: string[] = [];
    onEvent('HeapProfiler.addHeapSnapshotChunk', (params) => chunks.push(params.chunk as string));
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    return chunks.join('');
  });
}

type Call = (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>;
type OnEvent = (method: string, listener: (params: Record<string, unknown>) => void) => void;

/** Opens an inspector session on the process behind `inspectUrl`, runs `use`, and closes it. */
async function withInspector<T>(inspectUrl: string, use: (call: Call, onEvent: OnEvent) => Promise<T>): Promise<T> {
  const targets = (await (await fetch(`${inspectUrl}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl, { maxPayload: 2 ** 30 });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const pending = new Map<number, { resolve: (result: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  const listeners = new Map<string, (params: Record<string, unknown>) => void>();
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as {
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: Record<string, unknown>;
      error?: { message: string };
    };
    if (message.method) return listeners.get(message.method)?.(message.params ?? {});
    const waiting = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id!);
    if (message.error) waiting.reject(new Error(message.error.message));
    else waiting.resolve(message.result ?? {});
  });
  let nextId = 1;
  const call: Call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    return await use(call, (method, listener) => listeners.set(method, listener));
  } finally {
    ws.close();
  }
}
