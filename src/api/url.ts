/**
 * A URL as topo prints it: a user name and password in it (`https://user:secret@host`) are credentials, so
 * they never reach a terminal, a log, a journal or an error — `https://user:***@host`, `https://***@host`.
 * Works on text that is not a valid URL too (an error about it must not quote the password either).
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon >= 0 ? `${scheme}${userinfo.slice(0, colon)}:***@` : `${scheme}***@`;
  });
}
