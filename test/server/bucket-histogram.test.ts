import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import client from 'prom-client';
import { BucketHistogram } from '../../server/observability/bucket-histogram.js';
import { prng } from './helpers/random.js';

const BUCKETS = [0.0001, 0.001, 0.01, 0.1];

describe('BucketHistogram', () => {
  it('prints exactly what a prom-client Histogram prints for the same observations', async () => {
    const ours = new client.Registry();
    const theirs = new client.Registry();
    const histogram = new BucketHistogram('x_seconds', 'Some durations.', 'protocol', BUCKETS, ours);
    const reference = new client.Histogram({ name: 'x_seconds', help: 'Some durations.', labelNames: ['protocol'], buckets: BUCKETS, registers: [theirs] });
    const random = prng(7);
    // Values on the bounds themselves belong to that bucket (`le`), and some lie above every bound.
    const values = [...BUCKETS, 0, 0.5, ...Array.from({ length: 200 }, () => random() ** 4 / 5)];
    for (const [index, value] of values.entries()) {
      const protocol = index % 3 === 0 ? 'json' : 'yjs';
      histogram.labels(protocol).observe(value);
      reference.observe({ protocol }, value);
    }
    // Label values appear in the order they were first used in both.
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.match(await ours.metrics(), /x_seconds_bucket\{le="0.001",protocol="yjs"\} \d+/);
  });

  it('reads zero after a reset and counts again after it', async () => {
    const registry = new client.Registry();
    const histogram = new BucketHistogram('y_seconds', 'Durations.', 'protocol', BUCKETS, registry);
    const counts = histogram.labels('yjs');
    counts.observe(0.005);
    registry.resetMetrics();
    assert.match(await registry.metrics(), /y_seconds_count\{protocol="yjs"\} 0\n/);
    counts.observe(0.05);
    const text = await registry.metrics();
    assert.match(text, /y_seconds_bucket\{le="0.01",protocol="yjs"\} 0\n/);
    assert.match(text, /y_seconds_bucket\{le="0.1",protocol="yjs"\} 1\n/);
    assert.match(text, /y_seconds_sum\{protocol="yjs"\} 0.05\n/);
  });
});
