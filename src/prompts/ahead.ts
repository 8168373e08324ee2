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

/**
 * The answer the prompt of the moment has given (the prompt library hands it over a turn later): a Ctrl-C
 * typed right after it (`n` and Ctrl-C at once) comes before that turn, and must not undo it.
 */
export const answered: { given: boolean; value: unknown } = { given: false, value: undefined };

/** Gives a prompt's answer, and records it (see `answered`). */
export function settle<Value>(done: (value: Value) => void, value: Value): void {
  answered.given = true;
  answered.value = value;
  done(value);
}
