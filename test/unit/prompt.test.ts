import { describe, expect, it } from 'vitest';
import { answerFor } from '../../src/prompt.js';

/** The search picker's answer when Enter comes before the results caught up with what was typed. */
describe('answerFor', () => {
  const people = [
    { name: 'alice', value: 'A' },
    { name: 'carla', value: 'C' },
    { name: 'carlos', value: 'K' },
  ];
  const matching = (typed: string) => people.filter((p) => p.name.includes(typed));

  it('keeps the pick when it matches what was typed, or when nothing was typed', () => {
    expect(answerFor('car', 'K', matching('car'))).toBe('K');
    expect(answerFor('', 'A', people)).toBe('A');
  });

  it('takes what was typed over a stale pick: a name typed whole, or the one match', () => {
    expect(answerFor('carla', 'A', matching('carla'))).toBe('C');
    expect(answerFor('carlo', 'A', matching('carlo'))).toBe('K');
  });

  it('guesses nothing: several matches or none is an error, and nothing changes', () => {
    expect(() => answerFor('car', 'A', matching('car'))).toThrow("'car' matches 2 people");
    expect(() => answerFor('zz', 'A', matching('zz'))).toThrow("nobody matches 'zz'");
  });
});
