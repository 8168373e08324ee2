import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The shape of the code, read from its imports: no cycles, commands at the top, services below the output
 * room and silent, the domain at the bottom (see ARCHITECTURE.md).
 */

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
        if (/^(commands|services|flows)\//.test(dep) || ['context.ts', 'app.ts', 'cli.ts'].includes(dep))
          wrong.push(`${file} → ${dep}`);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the API, config and sandbox layers free of the terminal, output and services', () => {
    const upper = [
      'domain/',
      'flows/',
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

  it('no service imports the output room, the terminal, the context or what stands above them', () => {
    const above = [
      'output/',
      'flows/',
      'commands/',
      'context.ts',
      'app.ts',
      'cli.ts',
      'terminal.ts',
      'session.ts',
      'people.ts',
      'prompt.ts',
    ];
    const wrong: string[] = [];
    for (const [file, deps] of graph) {
      if (!file.startsWith('services/')) continue;
      for (const dep of deps) if (above.some((a) => dep.startsWith(a))) wrong.push(`${file} → ${dep}`);
    }
    expect(wrong).toEqual([]);
  });

  it('services write to no stream and ask nobody: they return results, and take callbacks for the rest', () => {
    const writes =
      /process\.(stdout|stderr|stdin)|\bconsole\.|\.(err|warn|out|page)\(|\bio\.(stdout|stderr)|prompter\(/;
    const wrong: string[] = [];
    for (const file of graph.keys()) {
      if (!file.startsWith('services/')) continue;
      readFileSync(join(SRC, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (writes.test(line) && !/^\s*(\/\/|\*)/.test(line))
            wrong.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the domain low: it imports only the domain, the basics, the wire types of the API and the errors', () => {
    const wrong: string[] = [];
    for (const [file, deps] of graph) {
      if (!file.startsWith('domain/')) continue;
      for (const dep of deps)
        if (!/^(domain|basics)\//.test(dep) && !['api/types.ts', 'errors.ts'].includes(dep))
          wrong.push(`${file} → ${dep}`);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the basics at the ground: they import nothing of topo', () => {
    const wrong = [...graph].filter(([file, deps]) => file.startsWith('basics/') && deps.length > 0);
    expect(wrong).toEqual([]);
  });

  it('no file outside the sandbox is over 400 lines', () => {
    const long = [...graph.keys()]
      .filter((f) => !f.startsWith('sandbox/'))
      .map((f) => [f, readFileSync(join(SRC, f), 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });
});
