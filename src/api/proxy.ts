import { UsageError } from '../errors.js';

/** The proxy a client goes through, decided once from the API's base URL and the environment. */
export interface ProxyChoice {
  /** The proxy's URL as given (it may carry a user and password: never print it). */
  url: string;
  /** host:port, what error messages name. */
  display: string;
  /** The variable it came from. */
  variable: string;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * HTTPS_PROXY (else HTTP_PROXY, as undici's EnvHttpProxyAgent does) for an https:// API outside NO_PROXY.
 * Never a proxy for an http:// API: the key would cross the proxy in clear text.
 */
export function chooseProxy(
  baseUrl: string,
  env: Record<string, string | undefined>,
): ProxyChoice | undefined {
  let target: URL;
  try {
    target = new URL(baseUrl);
  } catch {
    return undefined;
  }
  if (target.protocol !== 'https:') return undefined;
  const candidates = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];
  const variable = candidates.find((name) => env[name]?.trim());
  if (!variable) return undefined;
  const noProxy = env.NO_PROXY ?? env.no_proxy ?? '';
  if (bypassesProxy(target, noProxy)) return undefined;
  const raw = env[variable]!.trim();
  // curl's habit: a proxy given as host:port is an http:// proxy.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let proxy: URL;
  try {
    proxy = new URL(withScheme);
  } catch {
    throw new UsageError(`${variable} is not a valid proxy URL`);
  }
  if (!['http:', 'https:', 'socks5:', 'socks:'].includes(proxy.protocol) || !proxy.hostname) {
    throw new UsageError(`${variable} is not a valid proxy URL (use http://host:port)`);
  }
  const port = proxy.port || String(DEFAULT_PORTS[proxy.protocol] ?? 1080);
  return { url: proxy.href, display: `${proxy.hostname}:${port}`, variable };
}

/** NO_PROXY as curl and undici read it: `*`, host names (and their subdomains), optional :port. */
export function bypassesProxy(target: URL, noProxy: string): boolean {
  const entries = noProxy.split(/[,\s]+/).filter(Boolean);
  if (entries.length === 0) return false;
  if (entries.includes('*')) return true;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = Number(target.port) || DEFAULT_PORTS[target.protocol] || 0;
  for (const entry of entries) {
    // host, host:port, [v6] or [v6]:port; a bare IPv6 address has several colons and no port.
    const match = entry.startsWith('[')
      ? /^\[([^\]]+)\](?::(\d+))?$/.exec(entry)
      : /^([^:]+)(?::(\d+))?$/.exec(entry);
    const entryHost = (match ? match[1]! : entry).replace(/^\*?\./, '').toLowerCase();
    const entryPort = match?.[2] ? Number(match[2]) : 0;
    if (entryPort && entryPort !== port) continue;
    if (host === entryHost || host.endsWith(`.${entryHost}`)) return true;
  }
  return false;
}
