import {
  createPrompt,
  isDownKey,
  isEnterKey,
  isTabKey,
  isUpKey,
  makeTheme,
  useKeypress,
  useEffect,
  useMemo,
  usePagination,
  usePrefix,
  useState,
} from '@inquirer/core';
import { keepForNext, settle, typedAhead } from './ahead.js';

/**
 * One value from a list filtered as the person types: arrow keys move, tab completes the highlighted name,
 * enter picks it. The list is filtered as each key arrives, so enter always picks from the list for all that
 * was typed before it: fast typing and a pasted text with its newline pick what slow typing would (the
 * library's search prompt filters after the keys, and its enter could pick what was highlighted for an
 * earlier text). Built on the prompt library's own hooks, like the tick list.
 */

export interface PickChoice {
  name: string;
  value: string;
  /** Shown under the list for the highlighted choice (a person's UUID). */
  description?: string;
}

interface PickConfig {
  message: string;
  choices: readonly PickChoice[];
  /** A typed text that is an answer by itself (a UUID): offered as a choice of its own. */
  free?: (typed: string) => boolean;
  /** The keys' help line, from the keys and what they do. */
  keysHelp?: (keys: [string, string][]) => string;
  pageSize?: number;
}

/** Whether a line holds every word of a typed filter (any case): how the picker and the tick list filter. */
export function holdsWords(line: string, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  return words.every((w) => line.toLowerCase().includes(w));
}

/** The choices for a text: every word in the name, a name equal to the text first, then the text itself if free. */
export function pickChoices(
  choices: readonly PickChoice[],
  typed: string,
  free?: (typed: string) => boolean,
): PickChoice[] {
  const text = typed.trim();
  const found = choices.filter((c) => holdsWords(c.name, text));
  const exact = found.filter((c) => c.name.toLowerCase() === text.toLowerCase() || c.value === text);
  const ranked = [...exact, ...found.filter((c) => !exact.includes(c))];
  const own =
    text && free?.(text) && !ranked.some((c) => c.value === text) ? [{ name: text, value: text }] : [];
  return [...ranked, ...own];
}

export const pick = createPrompt((config: PickConfig, done: (value: string) => void) => {
  const theme = makeTheme({});
  const [status, setStatus] = useState<'idle' | 'done' | 'cancelled'>('idle');
  const prefix = usePrefix({ status: status === 'cancelled' ? 'done' : status, theme });
  const [typed, setTyped] = useState('');
  const [active, setActive] = useState(0);
  const shown = useMemo(
    () => pickChoices(config.choices, typed, config.free),
    [typed, config.choices, config.free],
  );
  const chosen = shown[active];

  useKeypress((key, rl) => {
    // Keys that come after the answer (`bob⏎q` at once) are the next prompt's.
    if (status !== 'idle') {
      keepForNext(key);
      return;
    }
    // An Esc read as a key (typed in one burst with the keys before it, it comes once the terminal's wait for
    // more is over): nobody chosen, back to the question, as an Esc typed alone.
    if (key.name === 'escape') {
      setStatus('cancelled');
      settle(done, '');
      return;
    }
    if (isEnterKey(key)) {
      if (!chosen) {
        // Enter cleared the line: the text stays, to be corrected.
        rl.write(typed);
        return;
      }
      setStatus('done');
      settle(done, chosen.value);
    } else if (isUpKey(key) || isDownKey(key)) {
      rl.clearLine(0);
      rl.write(typed);
      if (shown.length === 0) return;
      setActive((active + (isUpKey(key) ? -1 : 1) + shown.length) % shown.length);
    } else if (isTabKey(key)) {
      rl.clearLine(0);
      const text = chosen?.name ?? typed;
      rl.write(text);
      setTyped(text);
      setActive(0);
    } else {
      setTyped(rl.line);
      setActive(0);
    }
  });

  // Keys pressed before the picker was drawn (`rbob⏎` at once at a card) are typed into it as if they came now,
  // one after the other: each is drawn before the next is read, so Enter picks from the list for all before it.
  // Those after its Enter are kept again for the next prompt (the handler above).
  useEffect((rl) => {
    if (typedAhead.length === 0) return;
    const keys = typedAhead.splice(0);
    const replay = setImmediate(() => {
      for (const [i, key] of keys.entries()) {
        // Esc or Ctrl-C typed ahead leaves the picker, as pressed now: nobody chosen, back to the question.
        if (key.name === 'escape' || (key.ctrl && key.name === 'c')) {
          typedAhead.push(...keys.slice(i + 1));
          setStatus('cancelled');
          settle(done, '');
          return;
        }
        rl.input.emit('keypress', key.sequence, key);
      }
    });
    return () => clearImmediate(replay);
  }, []);

  const message = theme.style.message(config.message, status);
  if (status === 'cancelled') return [prefix, message, theme.style.help('(left: nobody chosen)')].join(' ');
  if (status === 'done' && chosen)
    return [prefix, message, theme.style.answer(chosen.name)].filter(Boolean).join(' ');
  const page = usePagination({
    items: shown,
    active,
    renderItem: ({ item, isActive }) =>
      isActive ? theme.style.highlight(`❯ ${item.name}`) : `  ${item.name}`,
    pageSize: config.pageSize ?? 7,
    loop: false,
  });
  const keys: [string, string][] = [
    ['↑↓', 'navigate'],
    ['⏎', 'select'],
  ];
  const help = config.keysHelp ? config.keysHelp(keys) : keys.map((k) => k.join(' ')).join(' • ');
  const header = [prefix, message, typed].filter(Boolean).join(' ');
  const body = [
    shown.length ? page : theme.style.error(`Nobody matches '${typed.trim()}'`),
    ' ',
    chosen?.description ?? '',
    help,
  ]
    .filter(Boolean)
    .join('\n');
  return [header, body];
});
