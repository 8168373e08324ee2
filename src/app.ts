import type { Command } from 'commander';
import { Context, type ContextDeps, type Env, type GlobalOptions, type IO } from './context.js';

/** What commands get from the program: a way to build the run's context from the parsed globals. */
export interface App {
  io: IO;
  env: Env;
  deps: ContextDeps;
  /** The context of the running command, set by `action`. */
  current?: Context;
}

/** Wraps a command handler: builds the context from the global flags, and always closes it. */
export function action<A extends unknown[]>(
  app: App,
  handler: (ctx: Context, ...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    const globals = cmd.optsWithGlobals<GlobalOptions>();
    const ctx = new Context(app.io, app.env, globals, app.deps);
    app.current = ctx;
    const opts =
      args.length >= 2 ? (args[args.length - 2] as Record<string, unknown> | undefined) : undefined;
    if (opts && typeof opts === 'object' && typeof opts.query === 'string') {
      await ctx.setJsonQuery(opts.query);
      opts.json ??= true;
    }
    try {
      await handler(ctx, ...args);
    } finally {
      await ctx.close();
    }
  };
}
