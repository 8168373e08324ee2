// The parts of undici the client uses, loaded one by one. The package's index loads every dispatcher, the
// mocks, the caches and fetch: about 100 ms of start-up that a command calling the API would pay for nothing.
// The build bundles these parts into dist/cli.cjs (scripts/bundling.mjs makes the calls of `load` require()).
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const load = createRequire(import.meta.url);

export type Dispatcher = Undici.Dispatcher;
export type ResponseData = Undici.Dispatcher.ResponseData;

export const Agent = load('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
export const Pool = load('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
export const errors = load('undici/lib/core/errors.js') as typeof Undici.errors;

const dispatchRequest = load('undici/lib/api/api-request.js') as (
  this: Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
) => Promise<ResponseData>;

/**
 * A proxy agent. Its CONNECT tunnel uses the dispatcher methods the package's index adds to every dispatcher
 * (request, stream, pipeline, upgrade, connect): added here, without the rest of the index (fetch, WebSocket,
 * caches, mocks).
 */
export function proxyAgent(options: Undici.ProxyAgent.Options): Undici.ProxyAgent {
  const Dispatcher = load('undici/lib/dispatcher/dispatcher.js') as typeof Undici.Dispatcher;
  Object.assign(Dispatcher.prototype, load('undici/lib/api/index.js'));
  const ProxyAgent = load('undici/lib/dispatcher/proxy-agent.js') as typeof Undici.ProxyAgent;
  return new ProxyAgent(options);
}

/**
 * A connection's limits: the time to wait for an answer's headers and between parts of its body, and the size
 * of its headers (Node's default: given here, undici does not load node:http to read it).
 */
export function limits(timeoutMs: number): Undici.Client.Options {
  return { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, maxHeaderSize: 16 * 1024 };
}

/** One request through a dispatcher: undici's `request()`, without its global dispatcher. */
export function request(
  dispatcher: Dispatcher,
  url: string,
  options: Pick<Undici.Dispatcher.RequestOptions, 'method' | 'headers' | 'body'>,
): Promise<ResponseData> {
  const { origin, pathname, search } = new URL(url);
  return dispatchRequest.call(dispatcher, { ...options, origin, path: `${pathname}${search}` });
}
