/**
 * The value of one sample in Prometheus text whose labels include `labels`, or undefined when
 * no such series is present.
 */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = match[2] === undefined ? [] : match[2].split(',');
    if (wanted.every((l) => present.includes(l))) return Number(match[3]);
  }
  return undefined;
}
