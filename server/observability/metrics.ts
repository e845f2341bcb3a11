import client from 'prom-client';
import { BucketHistogram, type HistogramCounts } from './bucket-histogram.js';

/** Which endpoint a connection or message belongs to. */
export type Protocol = 'yjs' | 'json';

/**
 * The server's Prometheus metrics, in a registry of its own (several servers can share a
 * process in tests). Names follow Prometheus conventions: `_total` counters, `_seconds`
 * histograms, base units.
 */
export class Metrics {
  readonly registry = new client.Registry();
  readonly messages: client.Counter<'protocol' | 'direction'>;
  readonly bytes: client.Counter<'protocol' | 'direction'>;
  readonly fanout: BucketHistogram;
  readonly storageWrite: client.Histogram<'outcome'>;
  readonly errors: client.Counter<'kind'>;
  readonly sessionDuration: client.Histogram;
  readonly httpRequests: client.Counter<'method' | 'status'>;
  readonly credentialChecks: client.Counter<'kind' | 'outcome'>;
  private readonly meters = new Map<Protocol, ProtocolMeter>();

  constructor(sources: { sessions: () => number; connections: (protocol: Protocol) => number }) {
    const registers = [this.registry];
    client.collectDefaultMetrics({ register: this.registry, prefix: 'interview_', eventLoopMonitoringPrecision: 100 });
    new client.Gauge({
      name: 'interview_sessions_active',
      help: 'Sessions whose document is loaded in memory on this instance.',
      registers,
      collect() {
        this.set(sources.sessions());
      },
    });
    new client.Gauge({
      name: 'interview_connections',
      help: 'Open WebSocket connections by protocol.',
      labelNames: ['protocol'],
      registers,
      collect() {
        for (const protocol of ['yjs', 'json'] as const) this.set({ protocol }, sources.connections(protocol));
      },
    });
    // Frames and bytes are counted in plain fields on the hot path (ProtocolMeter) and handed to
    // prom-client at scrape time: a labelled inc() hashes its labels on every call.
    const meters = this.meters;
    this.messages = new client.Counter({
      name: 'interview_messages_total',
      help: 'WebSocket messages by protocol and direction (in = from clients).',
      labelNames: ['protocol', 'direction'],
      registers,
      collect() {
        for (const meter of meters.values()) meter.report(this, 'messages');
      },
    });
    this.bytes = new client.Counter({
      name: 'interview_message_bytes_total',
      help: 'WebSocket payload bytes by protocol and direction.',
      labelNames: ['protocol', 'direction'],
      registers,
      collect() {
        for (const meter of meters.values()) meter.report(this, 'bytes');
      },
    });
    // Observed once per edit: see BucketHistogram for why it is not one of prom-client's.
    this.fanout = new BucketHistogram(
      'interview_update_fanout_seconds',
      'From an edit arriving to its delivery being queued for every other participant of this instance.',
      'protocol',
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      this.registry,
    );
    this.storageWrite = new client.Histogram({
      name: 'interview_storage_write_seconds',
      help: 'Duration of one batched storage write (one transaction).',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.errors = new client.Counter({
      name: 'interview_errors_total',
      help: 'Errors by kind (bad frames, refused messages, storage failures, ...).',
      labelNames: ['kind'],
      registers,
    });
    this.sessionDuration = new client.Histogram({
      name: 'interview_session_duration_seconds',
      help: 'How long a session stayed loaded on this instance, from load to unload.',
      buckets: [60, 300, 900, 1800, 3600, 7200, 14400, 86400],
      registers,
    });
    this.httpRequests = new client.Counter({
      name: 'interview_http_requests_total',
      help: 'HTTP requests by method and status code.',
      labelNames: ['method', 'status'],
      registers,
    });
    this.credentialChecks = new client.Counter({
      name: 'interview_credential_checks_total',
      help: 'Password and owner-secret checks by outcome (ok, failed, throttled: refused before hashing).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
  }

  /** The label children of one protocol's connections, bound once for all of them. */
  meter(protocol: Protocol): ProtocolMeter {
    let meter = this.meters.get(protocol);
    if (!meter) {
      meter = new ProtocolMeter(this, protocol);
      this.meters.set(protocol, meter);
    }
    return meter;
  }

  /** The metrics in Prometheus text format. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of `render()`'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * What every connection of one protocol updates: frames and bytes in and out, and fan-out time.
 * One per protocol, shared by all its connections. The counts are plain numbers reported to the
 * Prometheus counters when they are scraped, and the fan-out times go into plain bucket counts.
 */
export class ProtocolMeter {
  private readonly counted = { messages: { in: 0, out: 0 }, bytes: { in: 0, out: 0 } };
  private readonly reported = { messages: { in: 0, out: 0 }, bytes: { in: 0, out: 0 } };
  /** From an edit arriving to its delivery being queued for the other participants. */
  readonly fanout: HistogramCounts;

  constructor(
    metrics: Metrics,
    private readonly protocol: Protocol,
  ) {
    this.fanout = metrics.fanout.labels(protocol);
  }

  /** Counts a frame received from a client. */
  received(bytes: number): void {
    this.counted.messages.in++;
    this.counted.bytes.in += bytes;
  }

  /** Counts a frame sent to a client. */
  sent(bytes: number): void {
    this.counted.messages.out++;
    this.counted.bytes.out += bytes;
  }

  /** Adds what was counted since the last scrape to `counter` (messages or bytes). */
  report(counter: client.Counter<'protocol' | 'direction'>, what: 'messages' | 'bytes'): void {
    for (const direction of ['in', 'out'] as const) {
      const delta = this.counted[what][direction] - this.reported[what][direction];
      if (delta > 0) counter.inc({ protocol: this.protocol, direction }, delta);
      this.reported[what][direction] = this.counted[what][direction];
    }
  }
}
