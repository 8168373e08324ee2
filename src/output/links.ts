import type { Contact } from '../api/types.js';

/**
 * Contacts one click away: on a terminal that supports hyperlinks (OSC 8), a phone number is a `tel:` link, an
 * email a `mailto:` link and a LinkedIn URL a link to the page. The text shown is never changed, so widths hold:
 * a link is put around text that is already cut to its width. Every target is built here from the data, and
 * only when it is clean: no control character, space or escape can reach the terminal inside a link.
 */

export interface Links {
  /** The text, linked to call the number (`tel:`). */
  phone(text: string, number: unknown): string;
  /** The text, linked to write to the address (`mailto:`). */
  email(text: string, address: unknown): string;
  /** The text, linked to an http(s) page. */
  web(text: string, url: unknown): string;
  /** A contact's name or label, linked to call them, or else to email them, or else to their LinkedIn page. */
  contact(text: string, contact: Contact | null | undefined): string;
}

/** Plain text: piped, JSON, CSV, `--no-links`, or a terminal without hyperlinks. */
export const NO_LINKS: Links = {
  phone: (text) => text,
  email: (text) => text,
  web: (text) => text,
  contact: (text) => text,
};

/** Links drawn as OSC 8 sequences (the libraries are loaded only for a terminal that shows them). */
export async function terminalLinks(): Promise<Links> {
  const { link } = await import('ansi-escapes');
  const around = (text: string, target: string | undefined) =>
    target === undefined || text === '' ? text : link(text, target);
  return {
    phone: (text, number) => around(text, telTarget(number)),
    email: (text, address) => around(text, mailtoTarget(address)),
    web: (text, url) => around(text, webTarget(url)),
    contact: (text, contact) => around(text, contactTarget(contact)),
  };
}

/** Printable ASCII, nothing else: what a link target may hold (OSC 8 ends at a control character). */
const CLEAN_TARGET = /^[\x21-\x7e]+$/;

/**
 * `tel:` and the number's digits, with a leading + kept: `+44 161 496 0568` → `tel:+441614960568`. What follows
 * the number (`ext. 12`, `x12`, `;ext=12`) is left out rather than dialled as more digits. Undefined: no number.
 */
export function telTarget(number: unknown): string | undefined {
  if (typeof number !== 'string') return undefined;
  // The number is what comes before anything that cannot be part of one (a letter, ';', ',').
  const main = /^[\s\d+\-.()/]*/.exec(number.trim())![0];
  const digits = main.replace(/[^0-9]/g, '');
  if (digits.length < 3 || digits.length > 20) return undefined;
  return `tel:${main.startsWith('+') ? '+' : ''}${digits}`;
}

/**
 * `mailto:` and the address: one `@`, a domain of letters, digits, dots and hyphens, the local part
 * percent-encoded (no header, body or second address can ride along).
 */
export function mailtoTarget(address: unknown): string | undefined {
  if (typeof address !== 'string' || !CLEAN_TEXT.test(address)) return undefined;
  const at = address.indexOf('@');
  if (at < 1 || at !== address.lastIndexOf('@') || !DOMAIN.test(address.slice(at + 1))) return undefined;
  const target = `mailto:${encodeURIComponent(address.slice(0, at))}@${encodeURIComponent(address.slice(at + 1))}`;
  return CLEAN_TARGET.test(target) ? target : undefined;
}

/** An http(s) URL as the URL standard writes it (percent-encoded), without credentials. */
export function webTarget(url: unknown): string | undefined {
  if (typeof url !== 'string' || !CLEAN_TEXT.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!['https:', 'http:'].includes(parsed.protocol) || parsed.username || parsed.password) return undefined;
  return CLEAN_TARGET.test(parsed.href) ? parsed.href : undefined;
}

const DOMAIN = /^[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+$/u;

/** Text without spaces or control characters (C0, DEL, C1): an address or a URL as the API should send it. */
// eslint-disable-next-line no-control-regex
const CLEAN_TEXT = /^[^\s\u0000-\u001f\u007f-\u009f]+$/;

function contactTarget(contact: Contact | null | undefined): string | undefined {
  if (!contact) return undefined;
  return telTarget(contact.phone_number) ?? mailtoTarget(contact.email) ?? webTarget(contact.linkedin_url);
}

/**
 * Whether the terminal of this run shows hyperlinks, as supports-hyperlinks judges it (FORCE_HYPERLINK=1
 * forces it). That library reads process.env: it is shown this run's environment for its one synchronous call.
 */
export async function terminalSupportsHyperlinks(env: Record<string, string | undefined>): Promise<boolean> {
  const { createSupportsHyperlinks } = await import('supports-hyperlinks');
  const own = process.env;
  process.env = env as NodeJS.ProcessEnv;
  try {
    return createSupportsHyperlinks({ isTTY: true });
  } finally {
    process.env = own;
  }
}
