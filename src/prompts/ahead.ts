/** A key as the terminal's reader reports it: `name` lower case (`n`, `return`), `sequence` what was typed. */
export interface TypedKey {
  name: string;
  sequence: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

/**
 * Keys pressed after a prompt had its answer (typed quickly, or pasted: `nq`, `bob⏎q`, `rbob⏎` at a card): the
 * next prompt takes them first, in order — a key prompt by name, the picker as if typed into it.
 */
export const typedAhead: TypedKey[] = [];

/** Keeps a key pressed after the answer for the next prompt. */
export function keepForNext(key: {
  name?: string;
  sequence?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}): void {
  const name = (key.name ?? '').toLowerCase();
  const sequence = key.sequence ?? '';
  if (!name && !sequence) return;
  typedAhead.push({ name, sequence, ctrl: key.ctrl, meta: key.meta, shift: key.shift });
}
