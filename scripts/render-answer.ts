// npm run -s render:answer -- "question" > docs/answer.svg
// Draws the Discord embed the bot sends for a real question on the bundled corpus, as an SVG picture for
// the README (the layout is the bot's own: src/bot/layout.ts).
import { loadConfig } from '../src/config.js';
import { ask, openEngine } from '../src/engine.js';
import { layoutAnswer } from '../src/bot/layout.js';
import { tempDir } from './lib/harness.js';

const question = process.argv.slice(2).join(' ') || 'What did the two sides agree to do about dioxin at Bien Hoa?';
const config = { ...loadConfig(), embeddingsDir: tempDir('verbatim-render-') };
const engine = await openEngine(config);
const embed = layoutAnswer(await ask(engine, question)).embeds[0];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unescape = (s: string) => s.replace(/\\([\\*_`~|>#\-[\]()])/g, '$1').replace(/\u200b/g, '');
const WIDTH = 96;
type Run = { text: string; bold: boolean; italic: boolean };
const lines: Run[][] = [];
for (const para of (embed.description ?? '').split('\n')) {
  const italic = /^\*[^*]/.test(para);
  const runs: Run[] = [];
  (italic ? para.slice(1, -1) : para).split(/(\*\*[^*]+\*\*)/).forEach((chunk) => {
    if (!chunk) return;
    const bold = chunk.startsWith('**');
    runs.push({ text: unescape(bold ? chunk.slice(2, -2) : chunk), bold, italic });
  });
  let line: Run[] = [];
  let len = 0;
  for (const run of runs) {
    for (const word of run.text.split(/(?<= )/)) {
      if (len + word.length > WIDTH && len > 0) {
        lines.push(line);
        line = [];
        len = 0;
      }
      line.push({ ...run, text: word });
      len += word.length;
    }
  }
  lines.push(line);
}
const lh = 20;
const height = 110 + lines.length * lh + 40;
let y = 96;
const body = lines
  .map((l) => {
    y += lh;
    const spans = l.map((r) => `<tspan${r.bold ? ' font-weight="700" fill="#ffffff"' : ''}${r.italic ? ' font-style="italic" fill="#b5bac1"' : ''}>${esc(r.text)}</tspan>`).join('');
    return `<text x="44" y="${y}" xml:space="preserve">${spans}</text>`;
  })
  .join('\n');
process.stdout.write(`<svg xmlns="http://www.w3.org/2000/svg" width="860" height="${height}" font-family="Helvetica, Arial, sans-serif" font-size="14" fill="#dbdee1">
<rect width="100%" height="100%" fill="#313338"/>
<text x="24" y="32" font-weight="700" fill="#f2f3f5">Verbatim <tspan font-weight="400" fill="#949ba4" font-size="12" dx="8">bot · answering /ask</tspan></text>
<rect x="24" y="48" width="812" height="${height - 72}" rx="4" fill="#2b2d31"/>
<rect x="24" y="48" width="4" height="${height - 72}" fill="#2b6cb0"/>
<text x="44" y="80" font-weight="700" fill="#f2f3f5" font-size="15">${esc(unescape(embed.title ?? ''))}</text>
${body}
<text x="44" y="${height - 34}" font-size="12" fill="#949ba4">${esc(embed.footer?.text ?? '')}</text>
</svg>
`);
