// Reads and validates the config file: a missing, unreadable or invalid file is a ConfigError naming the problem.
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { type ConfigFile, CONFIG_SHAPE } from './schema.js';
import { validateShape } from './shape.js';

export const DEFAULT_CONFIG_FILE = 'cachedoctor.config.json';

/** The explicit --config file, else ./cachedoctor.config.json when present, else nothing. */
export function loadConfigFile(explicit: string | undefined, cwd: string): { path: string | null; config: ConfigFile } {
  const path = explicit ?? (existsSync(`${cwd}/${DEFAULT_CONFIG_FILE}`) ? `${cwd}/${DEFAULT_CONFIG_FILE}` : null);
  if (path === null) return { path: null, config: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code);
    throw new ConfigError(`config file ${path}: ${why}`, 'check --config');
  }
  return { path, config: parseConfigText(text, `config file ${path}`) };
}

/** Pure: JSON text -> validated config, with line and column for syntax errors. */
export function parseConfigText(text: string, source: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const message = (err as Error).message;
    throw new ConfigError(`${source}: invalid JSON${locate(text, message)}${what(message)}`, 'fix the syntax, or see docs/config.md');
  }
  validateShape(raw, CONFIG_SHAPE, '', source);
  return raw as ConfigFile;
}

/** The parser's own words, without the snippet of the file it quotes (which may hold a password). */
function what(message: string): string {
  // V8 quotes the file ("...\"u:pw@h/db\",oops]..." is not valid JSON): keep only the words before the quote.
  const bare = message
    .split('"')[0]!
    .replace(/,\s*(\.\.\.)?\s*$/, '')
    .replace(/ in JSON at position \d+.*$/s, '')
    .trim();
  return /end of JSON input/i.test(bare) ? '' : `: ${bare}`;
}

function locate(text: string, message: string): string {
  const pos = /position (\d+)/.exec(message)?.[1];
  if (pos === undefined) {
    if (text.trim() === '') return ' (the file is empty)';
    if (/end of JSON input/i.test(message)) return ' at the end of the file (is it cut short? a bracket or quote is not closed)';
    return '';
  }
  const before = text.slice(0, Number(pos));
  const line = before.split('\n').length;
  const column = Number(pos) - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
}
