/** A table cell: its text, and optionally whether it is good or bad news (coloured on a terminal). */
export type Cell = string | { text: string; tone?: 'good' | 'bad' };

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export interface TableStyle {
  /** Box-drawing characters; otherwise plain ASCII that survives any log viewer. */
  unicode: boolean;
  /** ANSI colours for toned cells. */
  color: boolean;
}

/** How output to this stream should look: box drawing and colour on a terminal only. */
export function styleFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): TableStyle {
  const tty = !!stream.isTTY;
  return { unicode: tty, color: tty && !env.NO_COLOR && env.TERM !== 'dumb' };
}

const TONES = { good: '\x1b[32m', bad: '\x1b[1;31m' } as const;

/** Renders rows under headers, each column as wide as its widest cell. */
export function renderTable(columns: Column[], rows: Cell[][], style: TableStyle): string {
  const text = (cell: Cell): string => (typeof cell === 'string' ? cell : cell.text);
  const widths = columns.map((column, i) => Math.max(column.header.length, ...rows.map((row) => text(row[i] ?? '').length)));
  const pad = (cell: Cell, i: number): string => {
    const plain = text(cell);
    const padded = columns[i]!.align === 'right' ? plain.padStart(widths[i]!) : plain.padEnd(widths[i]!);
    const tone = typeof cell === 'string' ? undefined : cell.tone;
    return style.color && tone ? `${TONES[tone]}${padded}\x1b[0m` : padded;
  };
  const [h, v, tl, tm, tr, ml, mm, mr, bl, bm, br] = style.unicode
    ? ['─', '│', '┌', '┬', '┐', '├', '┼', '┤', '└', '┴', '┘']
    : ['-', '|', '+', '+', '+', '+', '+', '+', '+', '+', '+'];
  const rule = (left: string, middle: string, right: string): string => left + widths.map((w) => h.repeat(w + 2)).join(middle) + right;
  const line = (cells: Cell[]): string => `${v} ${cells.map(pad).join(` ${v} `)} ${v}`;
  return [
    rule(tl, tm, tr),
    line(columns.map((c) => c.header)),
    rule(ml, mm, mr),
    ...rows.map(line),
    rule(bl, bm, br),
  ].join('\n') + '\n';
}

/** "1.23 s" */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
