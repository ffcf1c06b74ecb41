/**
 * Redraws the plot from a results file of `pnpm bench:server --json FILE`, without measuring again:
 *   node --import tsx bench/server/replot.ts bench/out/server.json [docs/benchmark-servers.svg]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { plotResults, type PlottedResults } from './plot.js';

const [input, output = 'docs/benchmark-servers.svg'] = process.argv.slice(2);
if (!input) {
  console.error('usage: replot.ts RESULTS.json [OUT.svg]');
  process.exit(2);
}
const results = JSON.parse(readFileSync(input, 'utf8')) as PlottedResults;
writeFileSync(output, plotResults(results));
console.log(`plot of ${input} (${results.date}) written to ${output}`);
