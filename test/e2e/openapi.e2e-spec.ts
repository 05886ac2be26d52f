import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  WEBHOOK_REQUEST_EXAMPLES,
  WEBHOOK_RESPONSE_EXAMPLES,
} from '../../apps/api/src/openapi/webhook-examples';
import { OpsApi, startOpsApi, stopOpsApi } from '../helpers/ops-api';

jest.setTimeout(60_000);

const TOKEN = 'openapi-operator-token-0c4e';

/** Route subtrees served by third-party UIs, each documented by one entry at its root. */
const DOCUMENTED_BY_ROOT = ['/admin/queues', '/api/docs'];

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { requestBody?: { content: Record<string, { examples?: object }> } }>
  >;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};

/**
 * Every route Fastify serves, read from its own route table (`printRoutes`), so that a route
 * added outside Nest's controllers (a raw Fastify route, a plugin) is seen too.
 */
function fastifyRoutes(tree: string): { path: string; method: string }[] {
  const routes: { path: string; method: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const branch = line.search(/[├└]── /);
    if (branch < 0) continue;
    const depth = branch / 4;
    const match = /^(.*?)(?: \(([^)]*)\))?$/.exec(line.slice(branch + 4))!;
    const path = (depth > 0 ? stack[depth - 1] : '') + match[1];
    stack[depth] = path;
    for (const method of (match[2] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean)) {
      routes.push({ path, method });
    }
  }
  return routes;
}

describe('OpenAPI document', () => {
  let h: OpsApi;
  let doc: Doc;

  beforeAll(async () => {
    h = await startOpsApi({
      API_TOKENS: TOKEN,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'admin-pass-4d1f',
    });
    const res = await h.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json<Doc>();
  });
  afterAll(async () => stopOpsApi(h));

  it('documents every route the app registers, and nothing it does not', () => {
    const table = h.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
    const routes = fastifyRoutes(table).filter((r) => r.method !== 'HEAD');
    // The parser must see the routes we know of, or the check below would pass on nothing.
    expect(routes).toEqual(
      expect.arrayContaining([
        { path: '/api/webhook/vapi', method: 'POST' },
        { path: '/api/calls/:id', method: 'GET' },
        { path: '/health/ready', method: 'GET' },
      ]),
    );
    const missing = routes
      .filter((r) => !DOCUMENTED_BY_ROOT.some((root) => r.path.startsWith(`${root}/`)))
      .filter((r) => r.path !== '/admin/queues*' && r.path !== '/api/docs*')
      .map((r) => `${r.method} ${r.path.replace(/\/?\*$/, '')}`)
      .filter((route) => {
        const [method, path] = route.split(' ');
        const openApiPath = path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        return doc.paths[openApiPath]?.[method.toLowerCase()] === undefined;
      });
    expect(missing).toEqual([]);

    const served = new Set(
      routes.map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
    );
    const phantom = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .map((m) => `${m.toUpperCase()} ${path}`)
        .filter((route) => !served.has(route)),
    );
    expect(phantom).toEqual([]);
  });

  it('shows an example of every webhook message type, identical to the fixtures', () => {
    const examples =
      doc.paths['/api/webhook/vapi'].post.requestBody!.content['application/json'].examples!;
    expect(Object.keys(examples).length).toBe(Object.keys(WEBHOOK_REQUEST_EXAMPLES).length);
    for (const table of [WEBHOOK_REQUEST_EXAMPLES, WEBHOOK_RESPONSE_EXAMPLES]) {
      for (const [file, value] of Object.values(table)) {
        const fixture: unknown = JSON.parse(
          readFileSync(join(__dirname, '../fixtures/vapi', file), 'utf8'),
        );
        expect(value).toEqual(fixture);
      }
    }
    const types = Object.values(WEBHOOK_REQUEST_EXAMPLES).map(
      ([, body]) =>
        (body as { message?: { type: string }; type?: string }).message?.type ??
        (body as { type: string }).type,
    );
    expect(new Set(types)).toEqual(
      new Set([
        'status-update',
        'transcript',
        'conversation-update',
        'speech-update',
        'hang',
        'user-interrupted',
        'tool-calls',
        'transfer-destination-request',
        'assistant-request',
        'end-of-call-report',
        'call.started',
        'transcript.updated',
        'recording.ready',
        'call.ended',
      ]),
    );
  });

  it('describes every field the call endpoints return', async () => {
    await h.db.dataSource.query(`INSERT INTO calls (id, status) VALUES ('openapi-call', 'ended')`);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const detail = await h.app.inject({
      method: 'GET',
      url: '/api/calls/openapi-call',
      headers: auth,
    });
    const list = await h.app.inject({ method: 'GET', url: '/api/calls', headers: auth });
    const { schemas } = doc.components;
    expect(Object.keys(detail.json<object>()).sort()).toEqual(
      Object.keys(schemas.CallDetailDto.properties!).sort(),
    );
    expect(Object.keys(list.json<object>()).sort()).toEqual(
      Object.keys(schemas.CallListDto.properties!).sort(),
    );
    const item = list.json<{ items: object[] }>().items[0];
    expect(Object.keys(item).sort()).toEqual(
      Object.keys(schemas.CallSummaryDto.properties!).sort(),
    );
  });

  it('serves the docs page', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('vapi-hooks API');
  });
});
