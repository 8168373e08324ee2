import { Command, Help, type Option } from 'commander';
import { outputSpecOf } from './output/flags.js';

/** Help in the manner of gh: description, usage, examples first, grouped flags, inherited flags, JSON fields. */

interface HelpDetails {
  examples: string[];
  notes?: string;
}

const details = new WeakMap<Command, HelpDetails>();

export const FLAG_GROUPS = {
  filters: 'Filter flags:',
  output: 'Output flags:',
  safety: 'Safety flags:',
} as const;

/** A command's examples, as its help shows them (a test runs each against the sandbox). */
export function examplesOf(cmd: Command): readonly string[] {
  return details.get(cmd)?.examples ?? [];
}

/** Attaches examples (shown first), notes and the JSON field list to a command's help. */
export function helpDetails(cmd: Command, info: HelpDetails): Command {
  details.set(cmd, info);
  return cmd;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}

function wrapList(items: readonly string[], width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const piece = line ? `, ${item}` : item;
    if (line && line.length + piece.length > width - 2) {
      lines.push(`${line},`);
      line = item;
    } else line += piece;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

class TopoHelp extends Help {
  /** Flag descriptions wrap on a narrow terminal too (commander stops wrapping below 40 columns of text). */
  override minWidthToWrap = 20;

  /** Defaults as a person types them: `(default: 16)`, not `(default: "16")`. */
  override optionDescription(option: Option): string {
    return super.optionDescription(option).replace(/\bdefault: "([^"]*)"/, 'default: $1');
  }

  override formatHelp(cmd: Command, helper: Help): string {
    const base = super
      .formatHelp(cmd, helper)
      .trimEnd()
      .replace(/^Options:$/m, 'Flags:')
      .replace(/^Global Options:$/m, 'Inherited flags:')
      .replace(/^Commands:$/m, 'Commands:');
    const info = details.get(cmd);
    const blocks = base.split('\n\n');
    const extra: string[] = [];
    if (info?.examples.length) {
      const examples = `Examples:\n${indent(info.examples.map((e) => (e.startsWith('#') || e === '' ? e : `$ ${e}`)).join('\n'))}`;
      // Usage, then the description (when there is one), then the examples.
      const at = cmd.description() ? 2 : 1;
      blocks.splice(at, 0, examples);
    }
    if (info?.notes) extra.push(info.notes.trimEnd());
    const output = outputSpecOf(cmd);
    const width = (helper.helpWidth ?? 80) - 2;
    if (output?.fields) {
      extra.push(`JSON fields (for --json a,b,c):\n${indent(wrapList(output.fields, width))}`);
    }
    for (const mode of output?.modes ?? []) {
      extra.push(`JSON fields ${mode.label}:\n${indent(wrapList(mode.fields, width))}`);
    }
    const root = rootOf(cmd);
    extra.push(
      `Learn more:\n  Use '${root.name()} <command> --help' for more about a command.\n  Topics: '${root.name()} help environment', '${root.name()} help exit-codes',\n          '${root.name()} help formatting', '${root.name()} help start-of-day',\n          '${root.name()} help automation'.`,
    );
    const limit = helper.helpWidth ?? 80;
    return `${[...blocks, ...extra.map((text) => fitLines(text, limit, helper))].join('\n\n')}\n`;
  }
}

/**
 * Hand-laid text (notes, topics) fitted to the help's width. A line too long wraps under where its text starts
 * (after its indent, and after a label set off by two spaces: "  API key          TOPO_API_KEY …"); a paragraph
 * (lines of one indent, without labels) with a line too long is joined and wrapped whole. Example commands are
 * never wrapped: they must stay runnable as shown.
 */
export function fitLines(text: string, width: number, helper: Help = new Help()): string {
  const lines = text.split('\n');
  const out: string[] = [];
  const labelOf = (line: string) => /^(\s*\S(?:\S| (?! ))*\s{2,})(\S.*)$/.exec(line);
  const indentOf = (line: string) => /^\s*/.exec(line)![0];
  const isProse = (line: string) => line.trim() !== '' && !/^\s*\$ /.test(line) && !labelOf(line);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isProse(line)) {
      // The paragraph: this line and the following prose lines of the same indent.
      let j = i + 1;
      while (j < lines.length && isProse(lines[j]!) && indentOf(lines[j]!) === indentOf(line)) j++;
      const paragraph = lines.slice(i, j);
      if (paragraph.some((l) => l.length > width)) {
        const head = indentOf(line);
        const body = paragraph.map((l) => l.trim()).join(' ');
        out.push(
          ...helper
            .boxWrap(body, width - head.length)
            .split('\n')
            .map((part) => `${head}${part}`),
        );
      } else {
        out.push(...paragraph);
      }
      i = j - 1;
      continue;
    }
    // Example commands stay runnable as shown.
    if (/^\s*\$ /.test(line)) {
      out.push(line);
      continue;
    }
    const labelled = labelOf(line);
    // A label's text goes on over the lines indented to where it starts.
    let j = i + 1;
    if (labelled)
      while (
        j < lines.length &&
        lines[j]!.trim() !== '' &&
        indentOf(lines[j]!).length === labelled[1]!.length &&
        !labelOf(lines[j]!.trimStart())
      )
        j++;
    const block = lines.slice(i, j);
    if (block.every((l) => l.length <= width) || !labelled || labelled[1]!.length > width * 0.6) {
      out.push(line);
      continue;
    }
    const [, head] = labelled;
    const body = [labelled[2]!, ...block.slice(1).map((l) => l.trim())].join(' ');
    const hang = ' '.repeat(head!.length);
    const parts = helper.boxWrap(body, width - head!.length).split('\n');
    out.push(...parts.map((part, k) => `${k === 0 ? head : hang}${part}`));
    i = j - 1;
  }
  return out.join('\n');
}

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

/** A commander Command whose help, and whose subcommands' help, is topo's. */
export class TopoCommand extends Command {
  override createCommand(name?: string): TopoCommand {
    return new TopoCommand(name);
  }

  override createHelp(): Help {
    return Object.assign(new TopoHelp(), this.configureHelp());
  }
}

/** A help topic's text, fitted to the 80 columns help is rendered at. */
export function topicText(name: string): string {
  return fitLines(HELP_TOPICS[name]!.text, HELP_WIDTH);
}

/** Help is at most this wide, so it can be rendered ahead of time (bin/topo.js prints it from dist/help.json). */
export const HELP_WIDTH = 80;

export const HELP_TOPICS: Record<string, { summary: string; text: string }> = {
  environment: {
    summary: 'every environment variable and setting, with its precedence',
    text: `Settings and environment

Precedence: flag > environment > profile in the config file > default.

  API key          TOPO_API_KEY (never a flag); otherwise the profile's stored key ('topo auth login')
  API base URL     --api-url, TOPO_API_URL; otherwise the profile's; default https://api.topo.io/v1
  profile          --profile, TOPO_PROFILE; default 'default'; with the sandbox always 'sandbox'
                   (--profile with it is a usage error); a profile named must exist, except for
                   'auth login' and 'alias set', which create it
  sandbox          --sandbox, TOPO_SANDBOX=1: a local sandbox API with demo data (no key needed)
  timeout          --timeout <seconds>; default 30, at most 3600; limits each of a request's
                   (up to 4) attempts, so a request that is never answered fails after 4 of them
  HTTP log         --debug, TOPO_DEBUG=1 (stderr; the key is never logged)
  colour           --no-color, NO_COLOR (any value), TERM=dumb turn it off; FORCE_COLOR=1 forces it
  links            on a terminal that supports them: --no-links, TOPO_LINKS=0 turn them off;
                   TOPO_LINKS=1 or FORCE_HYPERLINK=1 force them (never when piped)
  pager            --no-pager, TOPO_PAGER, PAGER; default 'less -FRX' (for 'tasks thread' on a terminal)
  config folder    TOPO_CONFIG_DIR; default $XDG_CONFIG_HOME/topo (~/Library/Preferences/topo on macOS,
                   %APPDATA%\\topo\\Config on Windows); config.json is 0600 in a 0700 folder
  data folder      TOPO_DATA_DIR; default $XDG_DATA_HOME/topo (the --sandbox workspace)
  state folder     TOPO_STATE_DIR; default $XDG_STATE_HOME/topo (offboarding jobs and their journals)
  cache folder     TOPO_CACHE_DIR; default $XDG_CACHE_HOME/topo (campaign names for completion)
  proxy            HTTPS_PROXY, NO_PROXY (an http:// API URL, loopback only, never goes through a proxy)
  key storage      the OS keychain when one is available, else the config file; TOPO_NO_KEYCHAIN=1 forces
                   the file ('topo auth status' says which)
  plain http       --allow-insecure-http permits an http:// API URL that is not this machine
  progress bars    only when stderr is a terminal and CI is unset
`,
  },
  'start-of-day': {
    summary: 'topo status, tasks next, and contacts one click away',
    text: `Start of the day

  topo status                where you stand: open tasks by priority and type, in progress,
                             replies waiting, the oldest HOT task, and the next task with the
                             contact's name, company and phone
  topo tasks next            the task to do now: who, their phone and email, the campaign and
                             what they wrote last; then a key: s skip, t thread, r reassign,
                             n next, q quit
  topo status --team a,b,c   for admins: each member's open tasks by priority, the spread,
                             covers due for return, jobs left unfinished, and the open tasks
                             that reached a leaver since their offboarding

The next task is chosen by one rule: in progress before pending, then HOT, TODAY, EXTRA,
then the oldest. Every count is the API's own total, asked side by side, so the cost does not
grow with the workspace: 'topo status' sends 20 listings of one task and asks the key's scopes
at once, then looks up the next task's run, then its contact (3 round trips); --team sends 8
listings a member and 2 a finished offboarding, at once (1 round trip, 32 requests at most in
flight).

Contacts one click away
  On a terminal that supports hyperlinks (iTerm2, WezTerm, VS Code, GNOME Terminal and other
  VTE terminals, Windows Terminal, kitty, Alacritty, Ghostty), a phone number is a tel: link
  (your dialer calls it), an email a mailto: link and a LinkedIn URL a link to the page: in
  'tasks show', the 'tasks next' card, the headers of 'tasks thread', 'status' and the CONTACT
  column of tables. The text shown is the same, so nothing moves.
  off        --no-links, TOPO_LINKS=0; never when piped, with --json or --csv
  forced     TOPO_LINKS=1 or FORCE_HYPERLINK=1, for a terminal the detection does not know
`,
  },
  automation: {
    summary: 'letting scripts and assistants drive topo safely: JSON, dry runs, plans, exit codes, undo',
    text: `Automation: scripts and assistants

The CLI is the interface: a program (a script, a cron job, an AI assistant)
drives topo with the commands a person types; there is no other protocol.
The safe course:

1. Read with --json. stdout carries data only; --json prints every field as
   the API sent it (--json a,b: some; --query: a JMESPath expression), and
   with --json an error is JSON on stderr too, its exit code in it. Nothing
   prompts without a terminal: a change that needs a yes exits 2 and names
   --yes, so a program never hangs.
     topo tasks list -a erin --all --json id,priority,sequence_id

2. Plan before changing. --dry-run shows what would change, changing
   nothing (--dry-run --json: the whole plan). For a bulk move, --plan-out
   FILE writes the plan and moves nothing: the planning key, the workspace,
   the rules, every task with where it is and where it goes, sealed by a
   SHA-256 digest; never contact details.
     topo tasks reassign --from erin --to bob --plan-out erin.plan.json \\
       --needs-approval

3. A person looks, then applies. 'topo plan show FILE' prints the plan as a
   preview (--json: the file). 'topo plan apply FILE' runs exactly that
   plan, once checks made before anything is sent pass: the file is
   unchanged, of this workspace and at most 24 h old (--max-age for more),
   else exit 2; a plan written with --needs-approval is applied with
   another key than the one that planned it, else exit 5. A task that
   changed hands or closed since is left alone and reported (skipped, with
   the reason). Let the program plan with its key, a person apply with
   theirs: the job records both.
     TOPO_API_KEY=<your key> topo plan apply erin.plan.json

4. Branch on the exit code, never on the words: 0 done; 2 usage (fix the
   command); 3 not found; 4 the key (none, invalid, a scope missing);
   5 refused by a task's state, or a plan that needs a second key; 6 partly
   done (run the same command again: a job finishes what is left);
   130/143 stopped, what was done reported.

5. Check and undo. 'topo tasks reassign --jobs --json' lists every job: what
   moved, what is left, its state, and for a plan who planned and who
   applied it. 'topo tasks reassign --undo <job> --dry-run', then without
   --dry-run, puts back what a job moved, where nothing changed since.

A key without tasks:write lets a program read and plan (--dry-run,
--plan-out) but never move anything: only 'plan apply' needs tasks:write.
`,
  },
  'exit-codes': {
    summary: 'what each exit code means',
    text: `Exit codes

  0    success, including an empty list, an empty queue, and tasks already in the requested state
  1    failure: an API error not covered below, a network error, a timeout, an unexpected error
  2    usage: unknown command or flag, invalid value (UUID, enum, date, number, field, --query),
       a confirmation needed but no terminal (pass --yes), a bad config file, a profile that
       does not exist
  3    not found (404)
  4    authentication: no key configured, key invalid (401), key lacks the scope (403)
  5    refused by the task's state (409, 422), a new assignee outside the workspace, or a plan file
       that needs a second approver applied with the key that planned it
  6    partial: a bulk command where some items succeeded and some failed, or an offboarding that
       left tasks to move or could not be verified
  130  cancelled: Ctrl-C (what was done is reported), or a declined confirmation
  143  terminated by SIGTERM (what was done is reported, as for Ctrl-C)

When every item of a bulk command failed for the same reason, it exits with that reason's code
(e.g. 5 or 3), not 6; when every item failed, for different reasons, it exits 1 (each item's
reason is on its result line and in --json).
`,
  },
  formatting: {
    summary: 'terminal tables, piped TSV, CSV, JSON, --query and colour',
    text: `Formatting

stdout carries data only (table, TSV, CSV, JSON); progress, summaries, warnings, prompts and errors go to
stderr.

On a terminal   coloured, aligned tables fitted to the width; relative times ("3h ago").
Piped           no colour, no header, one record per line, tab-separated, full IDs, RFC 3339 times.
                The column order is documented in each command's help and is a stable interface.
--csv           listings as RFC 4180 CSV with a header row: the TSV's columns (plus --with columns);
                a value that starts as a formula does (= + - @, phone numbers too) is prefixed with '.
--json          every field exactly as the API sent it (unknown fields kept).
--json a,b      only those fields, in that order; an unknown field is a usage error listing the valid ones.
                Lists print one array, streamed as pages arrive. Pretty on a terminal, one line when piped.
--query EXPR    a JMESPath expression applied to the JSON output (implies --json), e.g.
                  topo tasks list --all --json --query "[?priority=='HOT'].id"
                A bad expression is a usage error (exit 2).
Errors          with --json, errors are JSON on stderr too:
                  {"error": {"code": 4, "status": 403, "type": "...", "message": "...", "request_id": "..."}}
Colour          off with NO_COLOR, --no-color, TERM=dumb or when piped; FORCE_COLOR=1 forces it.
Links           on a terminal that supports hyperlinks, phones, emails and LinkedIn URLs are links
                (the text is unchanged); never piped, in JSON or CSV; off with --no-links or
                TOPO_LINKS=0 (see 'topo help start-of-day').
Safety          control characters and escape sequences in API text are shown as \\e, \\x07, … so data
                cannot drive your terminal; JSON output stays exact.
`,
  },
};
