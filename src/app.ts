import type { Command } from 'commander';
import { Context, type ContextDeps } from './context.js';
import { makeExporter } from './output/exporter.js';
import { jsonFieldsFor, outputSpecOf } from './output/flags.js';
import { globalsWithEnv, type GlobalOptions } from './session.js';
import type { Env, IO } from './terminal.js';

/** What commands get from the program: the run's streams, environment and injected dependencies. */
export interface App {
  io: IO;
  env: Env;
  deps: ContextDeps;
  /** Whether errors are printed as JSON: decided with the output flags, once they are parsed. */
  jsonErrors?: boolean;
}

/**
 * Wraps a command handler: makes the exporter from the output flags (checking them before any request),
 * builds the context from the global flags, and always closes it.
 */
export function action<A extends unknown[]>(
  app: App,
  handler: (ctx: Context, ...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.opts<Record<string, unknown>>();
    const spec = outputSpecOf(cmd);
    const exporter = spec ? await makeExporter(opts, jsonFieldsFor(spec, opts)) : undefined;
    app.jsonErrors = Boolean(exporter);
    const ctx = new Context(
      app.io,
      app.env,
      globalsWithEnv(cmd.optsWithGlobals<GlobalOptions>(), app.env),
      app.deps,
      {
        ...(exporter && { exporter }),
        csv: Boolean(opts.csv),
      },
    );
    try {
      await handler(ctx, ...args);
    } finally {
      await ctx.close();
    }
  };
}
