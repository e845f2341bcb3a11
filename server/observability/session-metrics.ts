import type { LiveSession } from '../sessions/live-session.js';
import type { SessionExtension } from '../sessions/session-extension.js';
import type { Metrics } from './metrics.js';

/** Session-level metrics as an extension: how long sessions stay loaded, and every storage write. */
export function sessionMetrics(metrics: Metrics): SessionExtension {
  return {
    name: 'metrics',
    afterUnload(live: LiveSession): void {
      metrics.sessionDuration.observe((Date.now() - live.loadedAt) / 1000);
    },
    onStorageWrite(seconds: number, ok: boolean): void {
      metrics.storageWrite.observe({ outcome: ok ? 'ok' : 'failed' }, seconds);
      if (!ok) metrics.errors.inc({ kind: 'storage_write' });
    },
  };
}
