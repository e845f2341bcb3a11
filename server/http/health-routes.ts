import { Router } from 'express';
import type { Metrics } from '../observability/metrics.js';

/** A dependency readiness depends on, with a check that rejects when it cannot be used. */
export interface ReadinessProbe {
  name: string;
  check: () => Promise<unknown>;
}

const PROBE_TIMEOUT_MS = 2_000;

/**
 * `/healthz` (the process answers), `/readyz` (every dependency answers: 503 with the failing
 * ones named otherwise) and `/metrics` (Prometheus text format).
 */
export function healthRoutes(options: { probes: ReadinessProbe[]; metrics: Metrics }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      options.probes.map(async (probe) => {
        try {
          await withTimeout(probe.check(), PROBE_TIMEOUT_MS);
          return [probe.name, 'ok'] as const;
        } catch (error) {
          return [probe.name, `unavailable: ${(error as Error).message ?? String(error)}`] as const;
        }
      }),
    );
    const ready = results.every(([, status]) => status === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unready', checks: Object.fromEntries(results) });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(options.metrics.contentType).send(await options.metrics.render());
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
