import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The shape of the code, read from its imports: no cycles, and commands stay at the top. */

const SRC = resolve(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every relative import of a file (static, type-only and dynamic), as paths relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g),
    ...text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g),
  ].map((m) => m[1]!);
  return specs.map((spec) => relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
}

const graph = new Map(sourceFiles(SRC).map((f) => [relative(SRC, f), importsOf(f)]));

describe('the structure of src/', () => {
  it('reads every import (the walk sees the code)', () => {
    expect(graph.size).toBeGreaterThan(30);
    expect(graph.get('cli.ts')).toContain('commands/tasks/index.ts');
    for (const [file, deps] of graph)
      for (const dep of deps) expect(graph.has(dep), `${file} → ${dep}`).toBe(true);
  });

  it('has no import cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('no command imports another command, and nothing below the commands imports one', () => {
    const isCommand = (f: string) => f.startsWith('commands/') && !f.endsWith('/index.ts');
    const wrong: string[] = [];
    for (const [file, deps] of graph) {
      for (const dep of deps) {
        if (!dep.startsWith('commands/')) continue;
        // The CLI and the command groups register commands; nothing else may reach up to one.
        const registers = file === 'cli.ts' || (file.startsWith('commands/') && file.endsWith('index.ts'));
        if (!registers || (isCommand(file) && isCommand(dep))) wrong.push(`${file} → ${dep}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps output and input below the services and the context', () => {
    const wrong: string[] = [];
    for (const [file, deps] of graph) {
      if (!/^(output|input)\//.test(file)) continue;
      for (const dep of deps)
        if (/^(commands|services)\//.test(dep) || ['context.ts', 'app.ts', 'cli.ts'].includes(dep))
          wrong.push(`${file} → ${dep}`);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the API, config and sandbox layers free of the terminal, output and services', () => {
    const upper = [
      'commands/',
      'services/',
      'output/',
      'input/',
      'context.ts',
      'terminal.ts',
      'app.ts',
      'cli.ts',
    ];
    const wrong: string[] = [];
    for (const [file, deps] of graph) {
      if (!/^(api|config|sandbox)\//.test(file)) continue;
      for (const dep of deps) if (upper.some((u) => dep.startsWith(u))) wrong.push(`${file} → ${dep}`);
    }
    expect(wrong).toEqual([]);
  });
});
