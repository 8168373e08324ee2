/**
 * Keys pressed after a prompt had its answer (typed quickly, or pasted: `nq`, `rbob⏎`): the next prompt takes
 * them first, in order — a key prompt its first key, a picker all of them as typed.
 */
export interface Key {
  /** The key's name, lower case (`n`, `return`). */
  name: string;
  /** What the terminal sent for it (`N`, `\r`). */
  sequence: string;
}

export const typedAhead: Key[] = [];

/** Keeps a key pressed after the answer for the next prompt. */
export function keepForNext(key: { name?: string; sequence?: string }): void {
  const name = (key.name ?? '').toLowerCase();
  if (name || key.sequence) typedAhead.push({ name, sequence: key.sequence ?? name });
}
