import { createPrompt, makeTheme, useEffect, useKeypress, usePrefix, useState } from '@inquirer/core';
import { keepForNext, settle, typedAhead } from './ahead.js';

/**
 * One of a few actions, picked by a single keypress: no Enter. Any other key says which keys there are. Keys
 * typed ahead (pressed quickly, or pasted: `nq`) are kept for the next prompt, in order (./ahead.ts). Built on the prompt
 * library's own hooks, like the tick list.
 */

export interface KeyChoice<Value> {
  /** A lower-case letter or a digit; its upper case works too. */
  key: string;
  name: string;
  value: Value;
}

interface KeysConfig<Value> {
  message: string;
  choices: readonly KeyChoice<Value>[];
}

export const pressKey = createPrompt(<Value>(config: KeysConfig<Value>, done: (value: Value) => void) => {
  const theme = makeTheme({});
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  const [picked, setPicked] = useState<KeyChoice<Value> | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const prefix = usePrefix({ status, theme });

  const press = (name: string) => {
    const choice = config.choices.find((c) => c.key === name);
    if (!choice) {
      const keys = config.choices.map((c) => c.key);
      setError(`Press ${keys.slice(0, -1).join(', ')} or ${keys.at(-1)}`);
      return;
    }
    setPicked(choice);
    setStatus('done');
    settle(done, choice.value);
  };

  useEffect((rl) => {
    // As the key handler below: Esc and Ctrl keys act on no question, but Ctrl-C typed ahead ends this one as a
    // Ctrl-C pressed now does (`n` and Ctrl-C at once: the next card, then quit).
    let early = typedAhead.shift();
    while (early && (early.ctrl || early.name === 'escape')) {
      if (early.ctrl && early.name === 'c') {
        typedAhead.length = 0;
        (rl as unknown as NodeJS.EventEmitter).emit('SIGINT');
        return;
      }
      early = typedAhead.shift();
    }
    if (early) press(early.name);
  }, []);

  useKeypress((key, rl) => {
    // A key acts at once: nothing is left in the line for the next question.
    rl.clearLine(0);
    // Keys after the answer, Esc and Ctrl-C too, are the next prompt's.
    if (status === 'done') {
      keepForNext(key);
      return;
    }
    // Ctrl-C is the prompt library's (cancelled, exit 130): no hint flashes on the way out.
    if (key.ctrl) return;
    const name = (key.name ?? '').toLowerCase();
    // Esc leaves a picker (back to this question); it comes late, once the terminal's wait for more is over.
    if (name === 'escape') return;
    press(name);
  });

  const message = theme.style.message(config.message, status);
  if (status === 'done' && picked) return `${prefix} ${message} ${theme.style.answer(picked.name)}`;
  const header = `${prefix} ${message} ${theme.style.help('(press a key)')}`;
  const body = [
    ...config.choices.map((c) => `  ${theme.style.highlight(c.key)}  ${c.name}`),
    error ? theme.style.error(error) : '',
  ]
    .filter(Boolean)
    .join('\n');
  return [header, body];
});
