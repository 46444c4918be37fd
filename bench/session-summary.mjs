// The goal table of issues 11 and 12, side by side, from the cells bench/session-http.mjs and
// bench/session-seal.mjs saved in this run (`npm run bench -- session` runs the three in turn, this
// one last). Each cell: ours and its peer, the ratio of CPU-normalised rates (median over the
// interleaved rounds, with the lowest and highest round), the wall-clock ratio, the goal, and the
// measured floor where one limits the cell.
//   node bench/session-summary.mjs        (prints whatever the last runs of the two files saved)
import { check, fmtInt, fmtRatioStats, machineLine, printTable, readCells } from './_lib.mjs';

const parts = readCells().filter((p) => p.part === 'session-http' || p.part === 'session-seal');
if (parts.length === 0) {
  console.log(
    'no cells saved yet: run `npm run bench -- session` (or bench/session-http.mjs and session-seal.mjs)',
  );
  process.exit(0);
}
console.log(`Goal cells (issues 11 and 12), ${machineLine()}`);
for (const p of parts) console.log(`  ${p.part}: measured ${p.at} (${p.machine})`);
console.log('');

const rows = [];
const floors = [];
const info = [];
for (const p of parts) {
  for (const c of p.cells) {
    if (c.goal === 'info') {
      info.push([c.cell, c.value]);
      continue;
    }
    if (c.missing || !c.cpu) {
      rows.push([c.cell, '–', '–', '–', '–', `>= ${c.goal}x`, 'not measured']);
      continue;
    }
    const unit = c.unit === 'req' ? 'req' : 'ops';
    rows.push([
      c.cell,
      `${fmtInt(c.oursHz)} ${unit}/CPU-s`,
      `${fmtInt(c.peerHz)} ${unit}/CPU-s`,
      fmtRatioStats(c.cpu),
      fmtRatioStats(c.wall),
      `>= ${c.goal}x`,
      check(c.cpu.median, 1, c.goal),
    ]);
    if (c.floor && c.cpu.median < c.goal) floors.push([c.cell, c.floor]);
  }
}
printTable(
  ['cell', 'ours', 'peer', 'ratio per CPU-s (lo–hi)', 'ratio wall (lo–hi)', 'goal', 'verdict (CPU)'],
  rows,
);
if (info.length > 0) {
  console.log('');
  printTable(['measured', 'value'], info);
}
if (floors.length > 0) {
  console.log(
    '\nFloors measured in the same run, for the cells that miss (a ratio "bare vs <peer>" is the ceiling:' +
      ' what a plugin costing nothing would reach):',
  );
  printTable(['cell', 'floor'], floors);
}
console.log(
  '\nRatios: ours / peer, higher is faster, computed round by round (rounds interleave the two).' +
    ' The signed-request cell (Ed25519 server CPU per request) is measured by `npm run bench -- signed`.',
);
