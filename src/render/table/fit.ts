// Tables that fit the terminal they are shown in: a table as wide as the width given is drawn as a table; a wider
// one is stacked, a block per row ("Replica standby1" then "  Lag: 1.2 s" lines), which reads at 80 columns.
import { stripVTControlCharacters } from 'node:util';
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';

/** A cell: text (colours allowed), or text spanning the remaining columns (an error across a row). */
export type Cell = string | { span: string };

/** The widest line of `text`, in terminal columns (colours do not count). */
export function visibleWidth(text: string): number {
  return Math.max(0, ...text.split('\n').map((l) => stripVTControlCharacters(l).length));
}

/** Cells that mean "nothing here" are left out of a stacked row. */
const EMPTY = new Set(['', '-']);

/**
 * The rows as a table when it fits `width` columns, else stacked: the first cell as the row's title, then each other
 * cell under its column's name. A title over several lines (a name and its address) is joined on one.
 */
export function fitTable(head: readonly string[], rows: readonly Cell[][], width: number, chalk: ChalkInstance): string {
  const style = { head: chalk.level > 0 ? ['bold'] : [], border: chalk.level > 0 ? ['grey'] : [] };
  const table = new Table({ head: [...head], style });
  for (const row of rows) {
    table.push(row.map((c, i) => (typeof c === 'string' ? c : { colSpan: head.length - i, content: c.span })) as Parameters<typeof table.push>[0] & unknown[]);
  }
  const drawn = table.toString();
  if (visibleWidth(drawn) <= width) return drawn;
  const lines: string[] = [];
  for (const [first, ...rest] of rows) {
    lines.push(chalk.bold((typeof first === 'string' ? first : (first?.span ?? '')).split('\n').join(' ')));
    // "Column: value" pairs, as many to a line as fit; a spanning cell speaks for the rest of the row, unnamed.
    let line = '';
    rest.forEach((cell, i) => {
      const text = (typeof cell === 'string' ? cell : cell.span).split('\n').join(', ');
      if (EMPTY.has(stripVTControlCharacters(text).trim())) return;
      const pair = typeof cell === 'string' ? `${chalk.dim(`${head[i + 1]}:`)} ${text}` : text;
      if (line !== '' && visibleWidth(`${line}   ${pair}`) <= width) line = `${line}   ${pair}`;
      else {
        if (line !== '') lines.push(...wrapped(line, width));
        line = `  ${pair}`;
      }
    });
    if (line !== '') lines.push(...wrapped(line, width));
  }
  return lines.join('\n');
}

/** A stacked line wider than `width` (a long error), broken at spaces, the rest indented under its value. */
function wrapped(line: string, width: number): string[] {
  if (visibleWidth(line) <= width) return [line];
  const out: string[] = [];
  let cur = '';
  for (const word of line.trimStart().split(' ')) {
    const next = cur === '' ? `  ${word}` : `${cur} ${word}`;
    if (cur !== '' && visibleWidth(next) > width) {
      out.push(cur);
      cur = `    ${word}`;
    } else cur = next;
  }
  if (cur !== '') out.push(cur);
  return out;
}
