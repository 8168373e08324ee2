import { AuthError } from '../errors.js';

/** What is wrong with a key's characters, in words that quote none of it; undefined when nothing is. */
export function keyFault(key: string): string | undefined {
  // An HTTP header carries visible ASCII only: anything else makes every request fail after its retries.
  const at = key.search(/[^\x21-\x7e]/);
  if (at < 0) return undefined;
  const code = key.charCodeAt(at);
  const what =
    code === 0x0d
      ? 'a carriage return (\\r)'
      : code === 0x0a
        ? 'a line break (\\n)'
        : code === 0x20 || code === 0x09
          ? 'a space or tab'
          : code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)
            ? 'a control character'
            : 'a character that is not plain ASCII';
  const where = at === 0 ? 'starts with' : at === key.length - 1 ? 'ends with' : 'holds';
  return `${where} ${what}`;
}

/**
 * A key as it must be sent: visible ASCII only. Anything else is refused before any request, in one line that
 * never quotes the key (exit 4, as for any key the API would refuse).
 */
export function checkKey(key: string, source: string): string {
  const fault = keyFault(key);
  if (fault) throw new AuthError(`${source} ${fault}, which no API key has; set it again without it`);
  return key;
}
