// Which mapping a key in the command stream belongs to: by the mappings' key templates, or by a --match glob.
import type { KeyTemplate } from '../keyTemplate.js';

/** Redis glob (MATCH syntax: * ? [abc] [^a] [a-z], \ escapes) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) re += escapeRegex(glob[++i]!);
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) re += '\\[';
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^\^/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += escapeRegex(c);
  }
  return new RegExp(`^${re}$`, 's');
}

export interface NamedTemplate {
  name: string;
  template: KeyTemplate;
}

/** (key) => mapping name, or null. Templates are tried in order; --match names its keys "match". */
export function keyMatcher(mappings: readonly NamedTemplate[], match: string | null): (key: string) => string | null {
  if (match !== null) {
    const re = globToRegExp(match);
    return (key) => (re.test(key) ? 'match' : null);
  }
  return (key) => {
    for (const m of mappings) if (m.template.values(key) !== null) return m.name;
    return null;
  };
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
