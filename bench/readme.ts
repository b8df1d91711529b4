/** `npm run bench:readme`: latest.md and the results section of bench/README.md, regenerated from bench/results/latest.json (nothing is run). */
import { readFileSync } from 'node:fs';
import { writeGenerated, type LatestResults } from './latest.js';

writeGenerated(
  JSON.parse(readFileSync(new URL('../../bench/results/latest.json', import.meta.url), 'utf8')) as LatestResults,
);
console.log('Wrote bench/results/latest.md and the results section of bench/README.md from bench/results/latest.json');
