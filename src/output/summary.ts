import { safeText } from '../basics/text.js';

/**
 * A short summary of labelled values (`auth status`): on a terminal a box drawn by cli-table3, the labels in
 * the first column; piped, a `Label:     value` line each, aligned, the stable text scripts and logs read.
 */
export async function labelledSummary(
  rows: [string, string][],
  terminalWidth: number | undefined,
): Promise<string> {
  const cells = rows.map(([label, value]): [string, string] => [label, safeText(value)]);
  if (terminalWidth === undefined)
    return cells.map(([label, value]) => `${`${label}:`.padEnd(12)}${value}\n`).join('');
  const { boxed } = await import('./box.js');
  return `${boxed({ rows: cells, width: terminalWidth, shrink: [1], wrap: true })}\n`;
}
