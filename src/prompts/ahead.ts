/**
 * Keys pressed after a prompt had its answer (typed quickly, or pasted: `nq`, `bob⏎q`): the next key prompt
 * takes them first, in order, by name.
 */
export const typedAhead: string[] = [];

/** Keeps a key pressed after the answer for the next key prompt: its name, lower case (`n`, `return`). */
export function keepForNext(key: { name?: string }): void {
  const name = (key.name ?? '').toLowerCase();
  if (name) typedAhead.push(name);
}
