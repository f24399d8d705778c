// The benchmarks' numeric command-line options: `--name value`, or the fallback.
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
