import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isUuid } from '../../src/basics/ids.js';
import { typedAhead } from '../../src/prompts/ahead.js';
import { pressKey } from '../../src/prompts/keys.js';
import { pick } from '../../src/prompts/pick.js';
import { tick } from '../../src/prompts/tick.js';
import { createPrompter } from '../../src/prompt.js';

/** A prompt of src/prompts driven in-process: keys written to its input, its drawing read as plain text. */
function drive<T>(start: (context: { input: PassThrough; output: PassThrough }) => Promise<T>) {
  const input = new PassThrough();
  const output = new PassThrough();
  let drawn = '';
  output.on('data', (d: Buffer) => (drawn += String(d)));
  const answer = start({ input, output });
  let settled = false;
  answer.then(
    () => (settled = true),
    () => (settled = true),
  );
  return {
    input,
    keys: (text: string) => input.write(text),
    answer,
    drawn: () => stripVTControlCharacters(drawn),
    /** Whether the prompt has answered, once the keys written so far are handled (no clock: turns of the loop). */
    answered: async () => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      return settled;
    },
  };
}

/** topo's prompter on streams standing in for a terminal (a stderr the end of a prompt does not close). */
function onTerminal() {
  const stdin = new PassThrough();
  const stderr = new PassThrough();
  stderr.resume();
  stderr.end = (() => stderr) as never;
  return { stdin, prompter: createPrompter({ stdin, stderr }) };
}

/** A few turns of the loop: the prompt drawn and listening. */
async function drawn(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

const people = [
  { name: 'dev', value: 'D', description: 'uuid-of-dev' },
  { name: 'bob smith', value: 'S' },
  { name: 'bea', value: 'E' },
  { name: 'bob', value: 'B' },
];
const UUID = '0d4c2a8e-56b1-4b5e-9d55-3f0c3c1f8f0a';

describe('the picker (reassign to)', () => {
  it('a text and its Enter in one write pick what typing slowly would: the first match, drawn as the answer', async () => {
    const fast = drive((c) => pick({ message: 'Who?', choices: people }, c));
    fast.keys('be\r');
    expect(await fast.answer).toBe('E');
    expect(fast.drawn()).toMatch(/✔ Who\? bea\s*$/);

    const slow = drive((c) => pick({ message: 'Who?', choices: people }, c));
    slow.keys('b');
    await slow.answered();
    slow.keys('e');
    await slow.answered();
    slow.keys('\r');
    expect(await slow.answer).toBe('E');
  });

  it('a name typed whole comes first, before longer names that contain it', async () => {
    const p = drive((c) => pick({ message: 'Who?', choices: people }, c));
    p.keys('bob\r');
    expect(await p.answer).toBe('B');
  });

  it('a UUID pasted with its newline is the answer when it names nobody listed', async () => {
    const p = drive((c) => pick({ message: 'Who?', choices: people, free: isUuid }, c));
    p.keys(`${UUID}\r`);
    expect(await p.answer).toBe(UUID);
    // Not free: the same text matches nobody and Enter picks nothing.
    const q = drive((c) => pick({ message: 'Who?', choices: people }, c));
    q.keys(`${UUID}\r`);
    expect(await q.answered()).toBe(false);
    expect(q.drawn()).toContain(`Nobody matches '${UUID}'`);
  });

  it('Enter with nothing matching keeps the text to correct; arrows and Tab pick another', async () => {
    const p = drive((c) => pick({ message: 'Who?', choices: people }, c));
    p.keys('zz\r');
    expect(await p.answered()).toBe(false);
    expect(p.drawn()).toContain("Nobody matches 'zz'");
    p.keys('\x7f\x7fb');
    await p.answered();
    // b: bob smith, bea, bob. Down once, then Tab writes the highlighted name into the line.
    p.keys('\x1b[B');
    await p.answered();
    p.keys('\t');
    await p.answered();
    expect(p.drawn()).toMatch(/Who\? bea\n/);
    p.keys('\r');
    expect(await p.answer).toBe('E');
  });

  it('keys that come with the Enter, after it, are kept for the next prompt (`bob⏎q`: q quits the next card)', async () => {
    typedAhead.length = 0;
    const p = drive((c) => pick({ message: 'Who?', choices: people }, c));
    p.keys('bob\rq');
    expect(await p.answer).toBe('B');
    expect(typedAhead.map((k) => k.name)).toEqual(['q']);
    expect(p.drawn()).toMatch(/✔ Who\? bob\s*$/);
    typedAhead.length = 0;
  });

  it('keys pressed before it was drawn (`rbob⏎` at a card) are typed into it: bob, not the first name listed', async () => {
    typedAhead.length = 0;
    for (const sequence of ['b', 'o', 'b', '\r', 'q'])
      typedAhead.push({ name: sequence === '\r' ? 'return' : sequence, sequence });
    const p = drive((c) => pick({ message: 'Who?', choices: people }, c));
    expect(await p.answer).toBe('B');
    expect(p.drawn()).toMatch(/✔ Who\? bob\s*$/);
    // What came after its Enter is the next prompt's again.
    expect(typedAhead.map((k) => k.sequence)).toEqual(['q']);
    typedAhead.length = 0;
  });

  it('an answer given just before the end of input stands (Enter, then Ctrl-D at once)', async () => {
    const { stdin, prompter } = onTerminal();
    const answer = prompter.search('Who?', people, isUuid);
    await drawn();
    // Enter picks dev, and the end of input comes before its answer is handed over (on the next turn).
    stdin.write('dev\r');
    stdin.write('\u0004');
    expect(await answer).toBe('D');
  });

  it("a Ctrl-C typed right after the answer leaves the answer standing (and is the next prompt's)", async () => {
    typedAhead.length = 0;
    const { stdin, prompter } = onTerminal();
    const answer = prompter.choose('What now?', [
      { key: 'n', name: 'next', value: 'next' },
      { key: 'q', name: 'quit', value: 'quit' },
    ]);
    await drawn();
    stdin.write('n\u0003');
    expect(await answer).toBe('next');
    expect(typedAhead.map((k) => k.sequence)).toEqual(['\u0003']);
    typedAhead.length = 0;
  });

  it('after a Ctrl-D one question took, the next one ends at once (it would wait for keys that never come)', async () => {
    typedAhead.length = 0;
    const { stdin, prompter } = onTerminal();
    const first = prompter.search('Who?', people, isUuid);
    await drawn();
    stdin.write('\u0004');
    await expect(first).rejects.toThrow('cancelled: nothing was changed');
    // Nothing is typed any more: the key question ends as Ctrl-D ends it.
    await expect(prompter.choose('What now?', [{ key: 'q', name: 'quit', value: 'quit' }])).rejects.toThrow(
      'cancelled: nothing was changed',
    );
  });

  it('the end of input with nothing chosen still cancels', async () => {
    const { stdin, prompter } = onTerminal();
    const answer = prompter.search('Who?', people, isUuid);
    await drawn();
    stdin.write('de');
    stdin.write('\u0004');
    await expect(answer).rejects.toThrow('cancelled: nothing was changed');
  });

  it.each([
    ['Esc', { name: 'escape', sequence: '\u001b' }],
    ['Ctrl-C', { name: 'c', sequence: '\u0003', ctrl: true }],
  ])(
    '%s typed ahead with the keys before it leaves it: nobody chosen, the keys after it kept',
    async (_, key) => {
      typedAhead.length = 0;
      typedAhead.push({ name: 'b', sequence: 'b' }, { name: 'o', sequence: 'o' }, key, {
        name: 'q',
        sequence: 'q',
      });
      const p = drive((c) => pick({ message: 'Who?', choices: people }, c));
      expect(await p.answer).toBe('');
      expect(p.drawn()).toMatch(/Who\? \(left: nobody chosen\)\s*$/);
      expect(typedAhead.map((k) => k.sequence)).toEqual(['q']);
      typedAhead.length = 0;
    },
  );

  it("an Esc read as a key (after the terminal's wait) leaves it too", async () => {
    const p = drive((c) => pick({ message: 'Who?', choices: people }, c));
    await p.answered();
    p.keys('bo');
    await p.answered();
    // As the reader reports an Esc at the end of a burst: a keypress of its own.
    p.input.emit('keypress', '\u001b', { name: 'escape', sequence: '\u001b' });
    expect(await p.answer).toBe('');
  });

  it('shows the highlighted choice’s description', async () => {
    const p = drive((c) => pick({ message: 'Who?', choices: people }, c));
    await p.answered();
    expect(p.drawn()).toContain('uuid-of-dev');
    p.keys('\r');
    expect(await p.answer).toBe('D');
  });
});

describe('the key prompt (tasks next)', () => {
  it('a Ctrl-C typed ahead ends it as a Ctrl-C pressed now (`n` and Ctrl-C at once: the next card, then quit)', async () => {
    typedAhead.length = 0;
    typedAhead.push({ name: 'c', sequence: '\u0003', ctrl: true });
    const p = drive((c) =>
      pressKey({ message: 'What now?', choices: [{ key: 'q', name: 'quit', value: 'quit' }] }, c),
    );
    await expect(p.answer).rejects.toMatchObject({ name: 'ExitPromptError' });
    expect(typedAhead).toEqual([]);
  });
});

describe('the tick list (--select)', () => {
  const tasks = ['call · Ada', 'email · Ben', 'call · Cy'].map((name, i) => ({ name, value: i }));

  it('a ticked task stays in the list when the filter would hide it: Enter acts on what is shown', async () => {
    const p = drive((c) => tick({ message: 'Tick', choices: tasks }, c));
    p.keys(' ');
    await p.answered();
    p.keys('email');
    await p.answered();
    const frames = p.drawn().split('? Tick');
    const last = frames.at(-1)!;
    expect(last).toContain('◉ call · Ada');
    expect(last).toContain('email · Ben');
    expect(last).not.toContain('Cy');
    p.keys(' \r');
    expect(await p.answer).toEqual([0, 1]);
  });

  it('keys that come with the Enter, after it, are kept for the next prompt (` ⏎rbob⏎`: reassign to bob)', async () => {
    typedAhead.length = 0;
    const p = drive((c) => tick({ message: 'Tick', choices: tasks }, c));
    await p.answered();
    p.keys(' \rrbob\r');
    expect(await p.answer).toEqual([0]);
    expect(typedAhead.map((k) => k.sequence)).toEqual(['r', 'b', 'o', 'b', '\r']);
    typedAhead.length = 0;
  });

  it('a task unticked while the filter hides it leaves the list, and the highlight stays in it', async () => {
    const p = drive((c) => tick({ message: 'Tick', choices: tasks }, c));
    p.keys('\x1b[B\x1b[B ');
    await p.answered();
    p.keys('Ada');
    await p.answered();
    // Cy (ticked) then Ada in list order: Ada, Cy. Down to Cy, untick it: only Ada is left, highlighted.
    p.keys('\x1b[B ');
    await p.answered();
    expect(p.drawn().split('? Tick').at(-1)).not.toContain('Cy');
    p.keys(' \r');
    expect(await p.answer).toEqual([0]);
  });
});
