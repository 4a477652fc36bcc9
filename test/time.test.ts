// Answers that know when: time in questions, dates in passages, and a story's timeline, run the way a user
// runs them (the CLI, the real model) on recurring stories dated the four ways pages date themselves.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { storyCorpus, type StoryCorpus } from '../scripts/lib/stories.js';
import { questionTime, withoutNow } from '../src/search/time.js';
import { sameSeries, seriesOf } from '../src/search/when.js';
import { dayNumber, isoOfDay, mentionedDates, periodOf } from '../src/text/dates.js';
import { ROOT, testStore, tmp, type TestStore } from './helpers.js';

const TODAY = dayNumber(2026, 12, 6);
const span = (t: ReturnType<typeof questionTime>) => (t && 'span' in t ? `${isoOfDay(t.span.from)}..${isoOfDay(t.span.to)}` : t && 'day' in t ? `${t.kind} ${isoOfDay(t.day)}` : t?.kind ?? null);

describe('time in a question', () => {
  it('reads years, months, dates, relative years and months, "now" and "at first", and sides of a date', () => {
    expect(span(questionTime('Which US defence secretary visited in 2019?', TODAY))).toBe('2019-01-01..2019-12-31');
    expect(span(questionTime('What happened in November 2019, and who came?', TODAY))).toBe('2019-11-01..2019-11-30');
    expect(span(questionTime('Who visited Hanoi on 20 November 2019?', TODAY))).toBe('2019-11-20..2019-11-20');
    expect(span(questionTime('How many visitors came last year?', TODAY))).toBe('2025-01-01..2025-12-31');
    expect(span(questionTime('What was decided last June?', TODAY))).toBe('2026-06-01..2026-06-30');
    expect(span(questionTime('What did it cost two years ago?', TODAY))).toBe('2024-01-01..2024-12-31');
    expect(span(questionTime('What does the ferry cost now?', TODAY))).toBe('latest');
    expect(span(questionTime('What was agreed at the most recent dialogue?', TODAY))).toBe('latest');
    expect(span(questionTime('What was the fare when the ferry first started?', TODAY))).toBe('earliest');
    expect(span(questionTime('What was the fare before 2021?', TODAY))).toBe('before 2020-12-31');
    expect(span(questionTime('How many were there by 2013?', TODAY))).toBe('before 2013-12-31');
    expect(span(questionTime('What changed since March 2020?', TODAY))).toBe('after 2020-03-01');
    // Numbers that are not years, and questions with no time in them.
    expect(questionTime('How did 2019 people vote?', TODAY)).toBeNull();
    expect(questionTime('What did they agree on dioxin?', TODAY)).toBeNull();
  });

  it('reads a numbered series from titles, and leaves the words for "now" out of what a passage must say', () => {
    const tenth = seriesOf('Vietnam, US hold 10th political, security, defence dialogue')!;
    const twelfth = seriesOf('Vietnam, US hold 12th Political, Security, Defence Dialogue')!;
    expect([tenth.n, twelfth.n]).toEqual([10, 12]);
    expect(sameSeries(tenth, twelfth)).toBe(true);
    expect(seriesOf('Vietnam, Australia hold first vice-ministerial security dialogue')!.n).toBe(1);
    expect(sameSeries(tenth, seriesOf('Vietnam, China hold 4th Deputy Minister-level Security Dialogue')!)).toBe(false);
    expect(seriesOf('Defense Minister holds talks with U.S. Secretary of Defense')).toBeNull();
    expect(withoutNow('What was agreed at the most recent dialogue?')).toBe('What was agreed at the dialogue?');
    expect(withoutNow('Which bus routes run these days?')).toBe('Which bus routes run?');
    expect(withoutNow('What is the latest LTS version?')).toBe('What is the latest LTS version?');
    expect(withoutNow('What is the current account deficit now?')).toBe('What is the current account deficit now?');
  });

  it('resolves "last year" in a passage against its article\'s date, and reads dates given on the command line', () => {
    const years = (text: string, ref: string | null) => mentionedDates(text, ref).map((m) => isoOfDay(m.from).slice(0, 4));
    expect(years('The museum welcomed 41,200 visitors last year.', '2021-01-12')).toEqual(['2020']);
    expect(years('The museum welcomed 41,200 visitors last year.', null)).toEqual([]);
    expect(years('Mattis visited twice in 2018, the first visit since 1995.', null)).toEqual(['2018', '1995']);
    expect(years('A crowd of 2019 people and a 2,000 tonne ship.', null)).toEqual([]);
    expect(periodOf('2019-11')).toEqual({ from: dayNumber(2019, 11, 1), to: dayNumber(2019, 11, 30) });
    expect(periodOf('November 20, 2019')).toEqual({ from: dayNumber(2019, 11, 20), to: dayNumber(2019, 11, 20) });
    expect(periodOf('2019-13')).toBeNull();
    expect(periodOf('yesterday')).toBeNull();
  });
});

describe('on recurring stories, with the real model', () => {
  let stories: StoryCorpus;
  let store: TestStore;
  let corpus: string;
  const cli = (args: string[], input?: string) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/verbatim.mjs'), ...args], {
      cwd: ROOT,
      input,
      encoding: 'utf8',
      env: { ...process.env, CORPUS_DIR: corpus, ...store.env, LOG_LEVEL: 'silent', VERBATIM_TODAY: stories.today },
      timeout: 120_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const asked = (questions: string[], extra: string[] = []) => {
    const r = cli(['ask', '--json', ...extra], questions.join('\n'));
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  };

  beforeAll(async () => {
    // A seed of its own (the evaluation uses 2001 and on): one story of each kind, ferry and bridge in one town.
    stories = storyCorpus(77, 1);
    corpus = tmp('verbatim-stories-');
    for (const a of stories.articles) fs.writeFileSync(path.join(corpus, a.file), a.text);
    store = await testStore();
    const r = cli(['index']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('dates every article, whichever way its page dates itself, and cites the date', () => {
    const listed = JSON.parse(cli(['sources', '--json']).stdout) as { file: string; date: string }[];
    expect(Object.fromEntries(listed.map((a) => [a.file, a.date]))).toEqual(Object.fromEntries(stories.articles.map((a) => [a.file, a.date])));
  });

  it('answers a year, "now", "at first" and "last year" from the article of that time', () => {
    const dated = stories.questions.filter((q) => q.file);
    const answers = asked(dated.map((q) => q.q));
    const right = answers.filter((a, i) => a.answered && a.passages[0]?.file === dated[i].file && dated[i].a.some((s) => a.passages[0].text.includes(s)));
    // The dev measure (npm run eval:time) asks ≥ 90 %; one story each is a small sample, so one miss may pass.
    expect(right.length).toBeGreaterThanOrEqual(dated.length - 1);
    const first = answers[0].passages[0];
    expect(first.citation).toContain(first.date.slice(0, 4));
  });

  it('does not answer a year no article covers with another year\'s figure: it says so, with the closest passage', () => {
    const uncovered = stories.questions.filter((q) => !q.file);
    for (const a of asked(uncovered.map((q) => q.q))) {
      expect(a.answered).toBe(false);
      if (a.tentative) {
        expect(a.message).toMatch(/^No article here speaks of \d{4}; the closest passage:$/);
        expect(a.passages).toHaveLength(1);
      }
    }
  });

  it('timeline: the story\'s articles and no others, oldest first, with ask --json\'s fields', () => {
    for (const t of stories.timelines) {
      const r = cli(['timeline', '--json', t.topic]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.topic).toBe(t.topic);
      expect(out.entries.map((e: { file: string }) => e.file)).toEqual(t.files);
      for (const key of ['date', 'file', 'title', 'text', 'citation', 'start', 'end']) expect(out.entries[0]).toHaveProperty(key);
    }
  });

  it('--since/--until narrow to articles of that period; a bad date is a clear error', () => {
    const fare = stories.timelines.find((t) => t.story.includes('fare'))!;
    const dates = fare.files.map((f) => stories.articles.find((a) => a.file === f)!.date);
    const year = dates[1].slice(0, 4);
    const r = cli(['timeline', '--json', '--since', year, '--until', year, fare.topic]);
    const files = JSON.parse(r.stdout).entries.map((e: { file: string }) => e.file);
    expect(files).toEqual(fare.files.filter((_, i) => dates[i].startsWith(year)));
    const [a] = asked([stories.questions.find((q) => q.story === fare.story && q.kind === 'latest')!.q], ['--until', year]);
    for (const p of a.passages) expect(p.date <= `${year}-12-31`).toBe(true);
    const bad = cli(['ask', '--since', 'soon', 'What does the ferry cost?']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/must be a date with a year/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
