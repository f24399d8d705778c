// init as text: the mappings it proposes, with how sure it is and why; then the key families it could not map.
import type { ChalkInstance } from 'chalk';
import type { InitData } from '../../core/discover/initData.js';
import type { Envelope } from '../../core/envelope.js';
import { plural } from '../../core/plural.js';
import { type Cell, fitTable } from './fit.js';
import { renderVerdict } from './findings.js';

export function renderInitTable(env: Envelope<InitData>, chalk: ChalkInstance, width: number): string {
  const s = env.sampled;
  const out: string[] = [
    `${chalk.bold('Mappings found')}  ${s.keys.toLocaleString('en')} keys sampled of ${s.keyspace.toLocaleString('en')} on ${plural(s.masters, 'master')}` +
      `${s.binary > 0 ? ` (${s.binary} not UTF-8, skipped)` : ''}; ${plural(env.tables.readable, 'table')} readable` +
      `${env.tables.unreadable > 0 ? chalk.yellow(`, ${env.tables.unreadable} not readable by this role (not matched)`) : ''}` +
      `${env.tables.notRead > 0 ? chalk.yellow(`, ${env.tables.notRead.toLocaleString('en')} more not read (the first ${env.tables.readable.toLocaleString('en')} by schema and name are matched)`) : ''}`,
  ];
  const tone = (c: string) => (c === 'high' ? chalk.green(c) : c === 'medium' ? chalk.yellow(c) : chalk.red(c));
  if (s.keyspace === 0) out.push('', chalk.yellow('Redis holds no keys here (DBSIZE 0): check the server and the database number in --redis.'));
  if (env.tables.readable === 0)
    out.push('', chalk.yellow('The role can read no table in this database: check the database in --pg, and its grants (docs/least-privilege.md).'));
  if (env.proposals.length === 0) out.push('', 'No key family could be mapped to a table.');
  else {
    const rows: Cell[][] = env.proposals.map((p) => [
      p.template,
      p.keys.toLocaleString('en'),
      p.table,
      p.keyColumns.map((k) => k.column).join(', '),
      p.version ? `${p.version.field} = ${p.version.column} (${p.version.kind})` : chalk.red('none'),
      p.compare.join(', ') || '-',
      `${p.rows.found}/${p.rows.checked}`,
      `${tone(p.confidence)}\n${p.reasons.join('\n')}`,
    ]);
    out.push('', fitTable(['Template', 'Keys', 'Table', 'Key columns', 'Version', 'Compare', 'Ids found', 'Confidence'], rows, width, chalk));
  }
  if (env.unmapped.length > 0) {
    out.push('', chalk.bold('Not mapped'));
    out.push(
      fitTable(
        ['Template', 'Keys', 'Why'],
        env.unmapped.map((u) => [u.template, u.keys.toLocaleString('en'), u.why]),
        width,
        chalk,
      ),
    );
  }
  if (env.written) out.push('', `Wrote ${env.written.path} with ${plural(env.written.mappings.length, 'mapping')} (${env.written.mappings.join(', ')}).`);
  else if (env.write === null && env.proposals.some((p) => p.confidence === 'high'))
    out.push('', `${chalk.dim('Next:')} cachedoctor init --write cachedoctor.config.json, then cachedoctor scan (it reads that file).`);
  // --write with nothing confident enough: say that, not the generic verdict.
  const nothing = env.write !== null && env.written === null && env.complete;
  out.push(
    '',
    nothing
      ? chalk.red.bold(`FAIL: nothing written to ${env.write!.path}: no proposal is ${env.write!.minConfidence}-confidence or better`) +
          chalk.dim(` (exit ${env.exitCode})`)
      : renderVerdict(env, chalk),
  );
  return `${out.join('\n')}\n`;
}
