import {
  createPrompt,
  isDownKey,
  isEnterKey,
  isSpaceKey,
  isTabKey,
  isUpKey,
  makeTheme,
  useKeypress,
  useMemo,
  usePagination,
  usePrefix,
  useState,
} from '@inquirer/core';
import { keepForNext, settle } from './ahead.js';
import { holdsWords } from './pick.js';

/**
 * A list to tick items in, the way a person picks tasks: arrow keys move, space (or tab) ticks, typing
 * filters the list by any word of its lines (ticked items stay in it), enter confirms. Built on the prompt library's own hooks.
 */

export interface TickChoice<Value> {
  name: string;
  value: Value;
  /** What the answer line shows once confirmed. */
  short?: string;
}

interface TickConfig<Value> {
  message: string;
  choices: readonly TickChoice<Value>[];
  pageSize?: number;
}

/** The items a filter shows: those it matches, and the ticked ones. */
function visible<Value>(choices: readonly TickChoice<Value>[], filter: string, ticked: ReadonlySet<number>) {
  return choices
    .map((choice, index) => ({ choice, index }))
    .filter(({ choice, index }) => ticked.has(index) || holdsWords(choice.name, filter));
}

export const tick = createPrompt(<Value>(config: TickConfig<Value>, done: (value: Value[]) => void) => {
  const theme = makeTheme({});
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  const prefix = usePrefix({ status, theme });
  const [filter, setFilter] = useState('');
  const [ticked, setTicked] = useState<ReadonlySet<number>>(new Set());
  const [at, setActive] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);

  // A ticked item stays in the list whatever the filter: enter acts on what is shown.
  const shown = useMemo(() => visible(config.choices, filter, ticked), [filter, config.choices, ticked]);
  // An item unticked while the filter hides it leaves the list: the highlight stays within it.
  const active = Math.max(0, Math.min(at, shown.length - 1));

  useKeypress((key, rl) => {
    // Keys that come after the answer (` ⏎rbob⏎` at once) are the next prompt's.
    if (status === 'done') {
      keepForNext(key);
      return;
    }
    if (isEnterKey(key)) {
      if (ticked.size === 0) {
        setError('Tick at least one (space), or press Ctrl-C to leave');
        rl.write(filter);
        return;
      }
      setStatus('done');
      settle(
        done,
        config.choices.filter((_, i) => ticked.has(i)).map((c) => c.value),
      );
    } else if (isUpKey(key) || isDownKey(key)) {
      rl.clearLine(0);
      rl.write(filter);
      if (shown.length === 0) return;
      const offset = isUpKey(key) ? -1 : 1;
      setActive((active + offset + shown.length) % shown.length);
    } else if (isSpaceKey(key) || isTabKey(key)) {
      // Space ticks: it never becomes part of the filter.
      rl.clearLine(0);
      rl.write(filter);
      const item = shown[active];
      if (!item) return;
      const next = new Set(ticked);
      if (next.has(item.index)) next.delete(item.index);
      else next.add(item.index);
      setTicked(next);
      setError(undefined);
    } else {
      // The highlight goes to the first item the new filter matches (not to a ticked one it keeps).
      const list = visible(config.choices, rl.line, ticked);
      setFilter(rl.line);
      setActive(
        Math.max(
          0,
          list.findIndex((item) => holdsWords(item.choice.name, rl.line)),
        ),
      );
    }
  });

  const message = theme.style.message(config.message, status);
  if (status === 'done') {
    const answer = config.choices
      .filter((_, i) => ticked.has(i))
      .map((c) => c.short ?? c.name)
      .join(', ');
    return [prefix, message, theme.style.answer(answer)].filter(Boolean).join(' ');
  }
  const page = usePagination({
    items: shown,
    active,
    renderItem: ({ item, isActive }) => {
      const mark = ticked.has(item.index) ? '◉' : '◯';
      const line = `${isActive ? '❯' : ' '}${mark} ${item.choice.name}`;
      return isActive ? theme.style.highlight(line) : line;
    },
    pageSize: config.pageSize ?? 10,
    loop: false,
  });
  const header = [prefix, message, filter ? theme.style.answer(filter) : ''].filter(Boolean).join(' ');
  const help = theme.style.help(
    `↑↓ move · space tick · type to filter · ⏎ done · esc cancel (${ticked.size} ticked of ${config.choices.length})`,
  );
  const body = [
    shown.length ? page : theme.style.error('Nothing matches the filter'),
    error ? theme.style.error(error) : '',
    help,
  ]
    .filter(Boolean)
    .join('\n');
  return [header, body];
});
