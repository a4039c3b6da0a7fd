import { describe, expect, it, vi } from 'vitest';
import { app } from '../app.js';
import { openApiDocument } from './document.js';

// Node cannot import the precompiled .wasm module that workerd gets; the routes never run here.
vi.mock('../wasm-backend.js', () => ({ ensureWasmBackend: async () => {} }));

type Operation = { operationId: string; parameters?: Array<{ name: string; in: string }> };
const operations = Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
  Object.entries(item as Record<string, Operation>).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, op })),
);

describe('the OpenAPI document', () => {
  it('describes exactly the routes the app registers', () => {
    const registered = new Set(
      app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
    );
    const documented = new Set(operations.map((o) => o.key));
    expect([...registered].filter((key) => !documented.has(key)), 'routes missing from the document').toEqual([]);
    expect([...documented].filter((key) => !registered.has(key)), 'documented routes the app lacks').toEqual([]);
    expect(registered.size).toBeGreaterThanOrEqual(12);
  });

  it('is OpenAPI 3.1 JSON whose references resolve, with unique operation ids and declared path parameters', () => {
    const parsed = JSON.parse(JSON.stringify(openApiDocument)) as typeof openApiDocument;
    expect(parsed.openapi).toBe('3.1.0');
    const refs = [...JSON.stringify(parsed).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((name) => !(name in parsed.components.schemas))).toEqual([]);
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { key, path, op } of operations) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort();
      expect(declared, key).toEqual(templated);
    }
  });

  it('answers 429 on every /v1 operation and states the staleness window on every registry write', () => {
    for (const { key, path, op } of operations) {
      const responses = (op as unknown as { responses: Record<string, unknown> }).responses;
      if (path.startsWith('/v1/')) expect(responses, key).toHaveProperty('429');
    }
    const writes = operations.filter((o) => /^(POST|DELETE) \/v1\/tasks/.test(o.key) && !o.key.endsWith('/predict'));
    expect(writes.length).toBe(4);
    for (const { key, op } of writes) expect((op as unknown as { description: string }).description, key).toMatch(/deleted version is never served/);
  });
});
