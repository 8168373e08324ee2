// The parts of undici the client uses, loaded one by one. The package's index loads every dispatcher, the
// mocks, the caches and fetch: about 100 ms of start-up that a command calling the API would pay for nothing.
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

/** A proxy agent. Its CONNECT tunnel needs the whole dispatcher API, so a proxy loads the whole package. */
export function proxyAgent(options: Undici.ProxyAgent.Options): Undici.ProxyAgent {
  const { ProxyAgent } = load('undici') as typeof Undici;
  return new ProxyAgent(options);
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
