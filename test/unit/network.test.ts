import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import { NetworkError } from '../../src/api/errors.js';
import { chooseProxy } from '../../src/api/proxy.js';
import { sandbox } from '../helpers.js';

/** Servers of these tests, all on 127.0.0.1, closed after each test. */
const servers: { server: Server; sockets: Set<Socket> }[] = [];
afterEach(async () => {
  for (const { server, sockets } of servers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function listen(server: Server): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  servers.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Accepts TCP connections and never says a word. */
async function blackHole(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer(() => connections++);
  const port = await listen(server);
  return { port, connections: () => connections };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A proxy that answers every CONNECT with this status. */
async function refusingProxy(status: number): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createHttpServer();
  server.on('connect', (req, socket: Socket) => {
    seen.push(`CONNECT ${req.url}`);
    socket.end(`HTTP/1.1 ${status} No\r\nContent-Length: 0\r\n\r\n`);
  });
  const port = await listen(server);
  return { port, seen };
}

/** Short enough to wait for in the tests of timeouts; the others keep a timeout no busy machine reaches. */
const SHORT = { timeoutMs: 150 };

function client(baseUrl: string, extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) {
  return new ApiClient({
    baseUrl,
    apiKey: 'topo_sandbox_rw',
    userAgent: 'topo/test',
    timeoutMs: 20_000,
    maxAttempts: 2,
    sleep: async () => undefined,
    ...extra,
  });
}

async function failure(c: ApiClient): Promise<NetworkError> {
  const error = await c.send({ method: 'GET', path: '/me' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NetworkError);
  return error as NetworkError;
}

describe('timeouts', () => {
  it('an API that accepts the connection and never answers: each attempt ends at --timeout', async () => {
    const hole = await blackHole();
    const c = client(`http://127.0.0.1:${hole.port}/v1`, SHORT);
    const e = await failure(c);
    expect(e.message).toBe(
      `request to 127.0.0.1:${hole.port} timed out after 0.15 s (2 attempts; --timeout limits each one); try again or raise --timeout`,
    );
    expect(e.exitCode).toBe(1);
    expect(hole.connections()).toBeGreaterThanOrEqual(1);
    await c.close();
  });

  it('an answer whose body never ends is cut at --timeout too', async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"items": [');
    });
    const port = await listen(server);
    const c = client(`http://127.0.0.1:${port}/v1`, SHORT);
    const e = await failure(c);
    expect(e.message).toBe(
      `request to 127.0.0.1:${port} timed out after 0.15 s (2 attempts; --timeout limits each one); try again or raise --timeout`,
    );
    await c.close();
  });

  it.each(['HTTPS_PROXY', 'HTTP_PROXY'])(
    'a %s that accepts the connection and never answers the CONNECT: the attempt ends at --timeout, naming the proxy',
    async (variable) => {
      const hole = await blackHole();
      const c = client('https://127.0.0.1:9/v1', {
        ...SHORT,
        env: { [variable]: `http://127.0.0.1:${hole.port}` },
      });
      const e = await failure(c);
      expect(e.message).toBe(
        `request to 127.0.0.1:9 through the proxy 127.0.0.1:${hole.port} timed out after 0.15 s (2 attempts; --timeout limits each one); try again or raise --timeout`,
      );
      expect(hole.connections()).toBeGreaterThanOrEqual(1);
      // closing does not wait for the CONNECT the proxy never answers
      await c.close();
    },
  );
});

describe('proxies', () => {
  it('never sends an http:// API request (key in clear text) through HTTP_PROXY or HTTPS_PROXY', async () => {
    const s = await sandbox();
    const hole = await blackHole();
    const proxy = `http://127.0.0.1:${hole.port}`;
    const c = client(s.url, {
      env: { HTTP_PROXY: proxy, http_proxy: proxy, HTTPS_PROXY: proxy, https_proxy: proxy },
    });
    expect(c.proxy).toBeUndefined();
    await c.send({ method: 'GET', path: '/me' });
    expect(hole.connections()).toBe(0);
    await c.close();
  });

  it('names the proxy when it cannot be reached, and goes around it for NO_PROXY hosts', async () => {
    const proxyPort = await closedPort();
    const apiPort = await closedPort();
    const env = { HTTPS_PROXY: `http://user:secret@127.0.0.1:${proxyPort}` };
    const via = client(`https://127.0.0.1:${apiPort}/v1`, { env });
    const e = await failure(via);
    expect(e.message).toBe(`cannot reach the proxy 127.0.0.1:${proxyPort}: connection refused`);
    expect(e.message).not.toContain('secret');
    await via.close();
    for (const noProxy of ['127.0.0.1', `127.0.0.1:${apiPort}`, 'localhost,127.0.0.1', '*']) {
      const around = client(`https://127.0.0.1:${apiPort}/v1`, { env: { ...env, NO_PROXY: noProxy } });
      expect((await failure(around)).message).toBe(`cannot reach 127.0.0.1:${apiPort}: connection refused`);
      await around.close();
    }
    // NO_PROXY for another port of the same host does not apply
    const other = client(`https://127.0.0.1:${apiPort}/v1`, { env: { ...env, no_proxy: '127.0.0.1:1' } });
    expect((await failure(other)).message).toBe(
      `cannot reach the proxy 127.0.0.1:${proxyPort}: connection refused`,
    );
    await other.close();
  });

  it('says when the proxy refuses the tunnel or wants credentials', async () => {
    const forbidding = await refusingProxy(403);
    const c = client('https://127.0.0.1:9/v1', { env: { https_proxy: `127.0.0.1:${forbidding.port}` } });
    expect((await failure(c)).message).toBe(
      `the proxy 127.0.0.1:${forbidding.port} refused to connect to 127.0.0.1:9 (HTTP 403)`,
    );
    expect(forbidding.seen).toEqual(['CONNECT 127.0.0.1:9']);
    await c.close();
    const asking = await refusingProxy(407);
    const d = client('https://127.0.0.1:9/v1', { env: { HTTPS_PROXY: `http://127.0.0.1:${asking.port}` } });
    expect((await failure(d)).message).toBe(
      `the proxy 127.0.0.1:${asking.port} asks for a user name and password (HTTP 407): put them in HTTPS_PROXY as http://user:password@host:port`,
    );
    await d.close();
  });

  it('chooses HTTPS_PROXY, then HTTP_PROXY, for https:// only, and checks the setting', () => {
    expect(chooseProxy('https://api.topo.io/v1', { HTTPS_PROXY: 'http://10.1.2.3:3128' })).toEqual({
      url: 'http://10.1.2.3:3128/',
      display: '10.1.2.3:3128',
      variable: 'HTTPS_PROXY',
    });
    expect(chooseProxy('https://api.topo.io/v1', { HTTP_PROXY: 'proxy.corp' })?.display).toBe(
      'proxy.corp:80',
    );
    expect(chooseProxy('http://127.0.0.1:4010/v1', { HTTP_PROXY: 'http://10.1.2.3:3128' })).toBeUndefined();
    expect(
      chooseProxy('https://api.topo.io/v1', { HTTPS_PROXY: 'http://10.1.2.3:3128', NO_PROXY: '.topo.io' }),
    ).toBeUndefined();
    expect(
      chooseProxy('https://api.topo.io/v1', { HTTPS_PROXY: 'http://10.1.2.3:3128', NO_PROXY: 'example.com' }),
    ).toBeDefined();
    expect(() => chooseProxy('https://api.topo.io/v1', { HTTPS_PROXY: 'http://[oops' })).toThrow(
      'HTTPS_PROXY is not a valid proxy URL',
    );
  });
});
