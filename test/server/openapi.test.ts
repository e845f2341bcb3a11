import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import express from 'express';
import type { AccessService } from '../../server/access/access-service.js';
import { createApp } from '../../server/http/app.js';
import { createLogger } from '../../server/logger.js';
import { Metrics } from '../../server/observability/metrics.js';
import { documented, violation } from './helpers/openapi-check.js';
import { startTestServer, tempDir } from './helpers/server.js';

/** A registered router's stack, as router@2 keeps it. */
interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[]; mountPath?: string };
}

/** Every method and path the app registers: route layers, through mounted routers. */
function registeredRoutes(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      return paths.flatMap((path) => Object.keys(layer.route!.methods).map((method) => `${method.toUpperCase()} ${prefix}${path === '/' && prefix ? '' : path}`));
    }
    return layer.handle.stack ? registeredRoutes(layer.handle.stack, prefix + (layer.handle.mountPath ?? '')) : [];
  });
}

describe('the OpenAPI document (/api/openapi.json)', () => {
  it('is served, and a maintained validator finds it valid OpenAPI 3.1', async () => {
    const server = await startTestServer({ API_KEYS: 'k' });
    try {
      const res = await fetch(`${server.url}/api/openapi.json`);
      assert.equal(res.status, 200);
      const served = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
      assert.equal(served.openapi, '3.1.0');
      const validator = new Validator();
      const result = await validator.validate(served as unknown as Parameters<Validator['validate']>[0]);
      assert.equal(result.valid, true, JSON.stringify(result.errors));
      assert.deepEqual(Object.keys(served.paths).sort(), Object.keys(documented.paths).sort());
    } finally {
      await server.close();
    }
  });

  it('documents every route the app registers, and nothing it does not', () => {
    // Mounted routers keep no mount path: record it as the app mounts them.
    const use = express.Router.prototype.use;
    express.Router.prototype.use = function (this: unknown, ...args: unknown[]) {
      const [path, handler] = args;
      if (typeof path === 'string' && typeof handler === 'function' && 'stack' in handler) (handler as { mountPath?: string }).mountPath = path === '/' ? '' : path;
      return use.apply(this, args as Parameters<typeof use>);
    } as typeof use;
    const web = tempDir();
    let routes: string[];
    try {
      const app = createApp({
        access: {} as AccessService,
        apiKeys: new Set(),
        rateLimits: { api: 0, create: 0, token: 0 },
        trustProxy: 0,
        logger: createLogger('silent'),
        maxBodyBytes: 1024,
        maxCodeChars: 1000,
        allowedOrigins: '*',
        metrics: new Metrics({ sessions: () => 0, connections: () => 0 }),
        probes: [],
        webRoot: web.dir,
      });
      routes = registeredRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack);
    } finally {
      express.Router.prototype.use = use;
      web.remove();
    }
    // The web pages (the app shell and the runner frame) are not API.
    const api = routes.filter((route) => !/ (\/|\/session\/:id|\/runner\/frame\.html)$/.test(route)).map((route) => route.replace(/:(\w+)/g, '{$1}'));
    const inDocument = Object.entries(documented.paths).flatMap(([path, operations]) =>
      Object.keys(operations).filter((key) => key !== 'parameters').map((method) => `${method.toUpperCase()} ${path}`),
    );
    assert.ok(api.length >= 10, `found the registered routes: ${api.join(', ')}`);
    assert.deepEqual([...new Set(api)].sort(), inDocument.sort());
  });

  it('the response check catches an answer that does not match', () => {
    assert.equal(violation('GET', '/api/sessions/5b0e4f8a-9c1d-4e2f-8a3b-6c7d8e9f0a1b', 200, 'application/json', '{"id":"x"}')?.includes('must have required property'), true);
    assert.match(violation('GET', '/api/sessions/5b0e4f8a-9c1d-4e2f-8a3b-6c7d8e9f0a1b', 418, 'application/json', '{}') ?? '', /not documented/);
    assert.match(violation('PUT', '/api/sessions', 200, 'application/json', '{}') ?? '', /not documented/);
    assert.equal(violation('GET', '/api/sessions/5b0e4f8a-9c1d-4e2f-8a3b-6c7d8e9f0a1b', 404, 'application/json', '{"error":{"code":"session_not_found","message":"m"}}'), null);
  });
});
