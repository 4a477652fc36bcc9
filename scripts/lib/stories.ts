// Recurring stories for measuring answers that depend on when: the same story told in several dated
// articles over the years (a fare set, raised, raised again; a yearly report; a chair elected and then
// replaced; a project announced, re-costed and opened), in invented towns so that no model knows them,
// each article dated the way pages date themselves (front matter, a date line, a dateline, a page's
// published-time metadata; or, for a numbered meeting, only the day and month). Questions ask for a year, for "now", for "at first", for "last year" (reports
// written in January about the year before), and for a year no article covers. A seed makes it repeatable.
import { CURRENCIES, namer, pick, type Rng } from './invented.js';
import { uniform } from '../../src/embed/static/svd.js';

export interface StoryArticle {
  file: string;
  /** ISO date the article carries. */
  date: string;
  story: string;
  text: string;
}

export interface TimeQuestion {
  q: string;
  /** Answer strings; empty when no article answers (a year none covers). */
  a: string[];
  /** The file that answers it (null: none should). */
  file: string | null;
  kind: 'year' | 'latest' | 'earliest' | 'last-year' | 'uncovered';
  story: string;
}

export interface Timeline {
  topic: string;
  story: string;
  /** The story's files, oldest first. */
  files: string[];
}

export interface StoryCorpus {
  articles: StoryArticle[];
  questions: TimeQuestion[];
  timelines: Timeline[];
  /** The day the questions are asked ("now", "last year"). */
  today: string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const OUTLETS = ['Gazette', 'Courier', 'Herald', 'Post', 'Chronicle', 'Observer'];
const pad = (n: number) => String(n).padStart(2, '0');
const fmt = (n: number) => n.toLocaleString('en');

interface Dated {
  year: number;
  month: number;
  day: number;
  title: string;
  paragraphs: string[];
}

/** Writes an article dated as pages are dated, in one of four ways, with filler between the facts. */
function write(r: Rng, file: string, story: string, town: string, a: Dated): StoryArticle {
  const iso = `${a.year}-${pad(a.month)}-${pad(a.day)}`;
  const long = `${MONTHS[a.month - 1]} ${a.day}, ${a.year}`;
  const outlet = `${town} ${pick(r, OUTLETS)}`;
  const body = a.paragraphs;
  const style = Math.floor(r() * 4);
  let text: string;
  let name = file;
  if (style === 0) {
    name = `${file}.md`;
    text = `---\ntitle: "${a.title}"\ndate: ${iso}\nsource: ${outlet}\n---\n\n${body.join('\n\n')}\n`;
  } else if (style === 1) {
    name = `${file}.txt`;
    text = `${a.title}\n\n${long}\n\n${body.join('\n\n')}\n`;
  } else if (style === 2) {
    name = `${file}.txt`;
    text = `${a.title}\n\n${town.toUpperCase()}, ${long} (${outlet}) – ${body[0]}\n\n${body.slice(1).join('\n\n')}\n`;
  } else {
    name = `${file}.html`;
    const paras = body.map((p) => `<p>${p}</p>`).join('\n');
    text = `<!DOCTYPE html><html><head><title>${a.title} | ${outlet}</title><meta property="og:site_name" content="${outlet}"><meta property="article:published_time" content="${iso}T09:30:00+00:00"></head>
<body><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>${a.title}</h1>${paras}</article><aside class="related"><h2>Related</h2><ul><li><a href="/a">Weather warning for the coast</a></li><li><a href="/b">Market day moves</a></li></ul></aside></body></html>`;
  }
  return { file: name, date: iso, story, text };
}

const FILLER = [
  (t: string) => `Residents of ${t} had raised the matter at several public meetings.`,
  (t: string) => `The decision was reported to the regional assembly the following week.`,
  (t: string) => `Local businesses in ${t} said they would follow the plans closely.`,
  (t: string) => `A full report is to be published on the council's notice board.`,
  (t: string) => `The council meets again at the end of the month.`,
];
const filler = (r: Rng, town: string, n: number) => Array.from({ length: n }, () => pick(r, FILLER)(town));

interface Built {
  articles: StoryArticle[];
  questions: TimeQuestion[];
  timeline: Timeline;
}

function fareStory(r: Rng, town: string, river: string, id: string, years: number[]): Built {
  const cur = pick(r, CURRENCIES);
  let fare = 2 + Math.floor(r() * 5);
  const fares: number[] = [];
  const articles: StoryArticle[] = [];
  years.forEach((y, i) => {
    if (i) fare += 1 + Math.floor(r() * 3);
    fares.push(fare);
    const month = 1 + Math.floor(r() * 12);
    const day = 1 + Math.floor(r() * 28);
    const head = i === 0 ? `${town} launches ferry across the ${river}` : i === 1 ? `${town} ferry fare goes up` : `${town} ferry fare rises again`;
    const fact =
      i === 0
        ? `The new ferry across the ${river} began carrying passengers on ${MONTHS[month - 1]} ${day}, with a single crossing priced at ${fare} ${cur}.`
        : `From next month a single crossing on the ${town} ferry will cost ${fare} ${cur}, up from ${fares[i - 1]} ${cur}.`;
    const why = i === 0 ? `The ${town} council said the ferry would run every half hour in summer.` : `The operator blamed the price of fuel and a new landing stage for the increase.`;
    articles.push(write(r, `${id}-${i}`, id, town, { year: y, month, day, title: head, paragraphs: [fact, why, ...filler(r, town, 2)] }));
  });
  const last = fares.length - 1;
  const missing = years[0] - 2;
  return {
    articles,
    timeline: { topic: `the ${town} ferry fare`, story: id, files: articles.map((a) => a.file) },
    questions: [
      { q: `How much was a crossing on the ${town} ferry in ${years[1]}?`, a: [`${fares[1]} ${cur}`], file: articles[1].file, kind: 'year', story: id },
      { q: `What does the ${town} ferry cost now?`, a: [`${fares[last]} ${cur}`], file: articles[last].file, kind: 'latest', story: id },
      { q: `What was the fare on the ${town} ferry when it first started?`, a: [`${fares[0]} ${cur}`], file: articles[0].file, kind: 'earliest', story: id },
      { q: `How much was a crossing on the ${town} ferry in ${missing}?`, a: [], file: null, kind: 'uncovered', story: id },
    ],
  };
}

function reportStory(r: Rng, names: ReturnType<typeof namer>, id: string, years: number[], thisYear: number): Built {
  const town = names.town();
  const museum = `${names.thing()} Museum`;
  const articles: StoryArticle[] = [];
  const counts: number[] = [];
  // Reports come out in January, about the year before; the last is about last year.
  const about = years.map((_, i) => thisYear - 1 - (years.length - 1 - i));
  about.forEach((y, i) => {
    const n = 20_000 + Math.floor(r() * 60_000);
    counts.push(n);
    const day = 5 + Math.floor(r() * 20);
    const facts = [
      `The ${museum} in ${town} welcomed ${fmt(n)} visitors last year, according to its annual report.`,
      i ? `That compares with ${fmt(counts[i - 1])} the year before.` : `It was the museum's first full year in its new building.`,
      `The museum's director said a new gallery would open in the spring.`,
    ];
    articles.push(write(r, `${id}-${i}`, id, town, { year: y + 1, month: 1, day, title: `${museum} publishes its annual report`, paragraphs: [...facts, ...filler(r, town, 1)] }));
  });
  const last = about.length - 1;
  return {
    articles,
    timeline: { topic: `visitors to the ${museum}`, story: id, files: articles.map((a) => a.file) },
    questions: [
      { q: `How many visitors did the ${museum} have in ${about[1]}?`, a: [fmt(counts[1])], file: articles[1].file, kind: 'year', story: id },
      { q: `How many people visited the ${museum} last year?`, a: [fmt(counts[last])], file: articles[last].file, kind: 'last-year', story: id },
      { q: `How many visitors did the ${museum} have in ${about[0] - 3}?`, a: [], file: null, kind: 'uncovered', story: id },
    ],
  };
}

function chairStory(r: Rng, names: ReturnType<typeof namer>, id: string, years: number[]): Built {
  const town = names.town();
  const club = `${town} ${pick(r, ['Rowing Club', 'Chamber of Trade', 'Harbour Board', 'Choral Society'])}`;
  const first = names.person();
  const second = names.person();
  const articles: StoryArticle[] = [];
  years.forEach((y, i) => {
    const who = i < years.length - 1 ? first : second;
    const text =
      i === 0
        ? `Members of the ${club} have elected ${first} as chair, the first person to hold the post since the club was founded.`
        : i < years.length - 1
          ? `${first} was re-elected unopposed as chair of the ${club} at its annual meeting.`
          : `${second} has been elected chair of the ${club}, taking over from ${first}, who stood down after ${y - years[0]} years.`;
    articles.push(write(r, `${id}-${i}`, id, town, { year: y, month: 3 + Math.floor(r() * 6), day: 1 + Math.floor(r() * 28), title: `${club} chooses its chair`, paragraphs: [text, `${who} thanked the members for their support.`, ...filler(r, town, 2)] }));
  });
  const last = years.length - 1;
  return {
    articles,
    timeline: { topic: `the chair of the ${club}`, story: id, files: articles.map((a) => a.file) },
    questions: [
      { q: `Who chairs the ${club} now?`, a: [second], file: articles[last].file, kind: 'latest', story: id },
      { q: `Who was elected chair of the ${club} in ${years[0]}?`, a: [first], file: articles[0].file, kind: 'year', story: id },
      { q: `Who was the first chair of the ${club}?`, a: [first], file: articles[0].file, kind: 'earliest', story: id },
    ],
  };
}

/** In the town and on the river of a ferry story: a timeline of one must not take in the other. */
function bridgeStory(r: Rng, town: string, river: string, id: string, years: number[]): Built {
  const cur = pick(r, CURRENCIES);
  const costs = [10 + Math.floor(r() * 20)];
  costs.push(costs[0] + 3 + Math.floor(r() * 8));
  costs.push(costs[1] + 1 + Math.floor(r() * 4));
  const m = (n: number) => `${n} million ${cur}`;
  const texts = [
    [`Plans for a road bridge over the ${river} at ${town} were announced, with a budget of ${m(costs[0])}.`, `Work is expected to start within two years.`],
    [`The cost of the ${town} bridge over the ${river} has been revised to ${m(costs[1])}, the county's engineers said.`, `They blamed a rise in the price of steel.`],
    [`The new bridge over the ${river} at ${town} opened to traffic, having cost ${m(costs[2])} in the end.`, `The first cars crossed shortly after dawn.`],
  ];
  const articles = years.slice(0, 3).map((y, i) =>
    write(r, `${id}-${i}`, id, town, { year: y, month: 2 + Math.floor(r() * 9), day: 1 + Math.floor(r() * 28), title: [`${town} to get a bridge over the ${river}`, `${town} bridge costs more`, `${town} bridge opens`][i], paragraphs: [...texts[i], ...filler(r, town, 2)] }),
  );
  return {
    articles,
    timeline: { topic: `the bridge over the ${river} at ${town}`, story: id, files: articles.map((a) => a.file) },
    questions: [
      { q: `What was the budget for the ${town} bridge when it was first announced?`, a: [m(costs[0])], file: articles[0].file, kind: 'earliest', story: id },
      { q: `What was the ${town} bridge expected to cost in ${years[1]}?`, a: [m(costs[1])], file: articles[1].file, kind: 'year', story: id },
      { q: `What is the latest figure for the cost of the ${town} bridge?`, a: [m(costs[2])], file: articles[2].file, kind: 'latest', story: id },
    ],
  };
}

const ORDINALS = ['first', 'second', 'third', '4th', '5th', '6th', '7th', '8th', '9th', '10th', '11th', '12th', '13th', '14th', '15th'];
const OUTCOMES = [
  'build a joint lifeboat station at the harbour mouth',
  'share their weather radar data every hour',
  'open a second customs post on the coast road',
  'fund a night ferry between the two ports',
  'train their harbour pilots together',
  'dredge the old channel before the winter storms',
  'set up a common register of fishing boats',
  'publish one timetable for both bus networks',
];

/**
 * A numbered meeting held every year or two ("the 7th Harbour Forum"), reported by pages that print the
 * day and month but not the year, as many wire pages do. The years their text mentions mislead (the next
 * meeting's year, the year the series began): only the number in the title orders them.
 */
function meetingStory(r: Rng, names: ReturnType<typeof namer>, id: string, years: number[]): Built {
  const town = names.town();
  const partner = names.town();
  const forum = `${names.thing()} ${pick(r, ['Harbour Forum', 'Coastal Dialogue', 'Trade Round', 'Rivers Summit'])}`;
  let n = 3 + Math.floor(r() * 8);
  const outcomes = [...OUTCOMES].sort(() => r() - 0.5).slice(0, years.length);
  const articles: StoryArticle[] = years.map((y, i) => {
    if (i) n += 1 + Math.floor(r() * 2);
    const month = 2 + Math.floor(r() * 9);
    const day = 1 + Math.floor(r() * 28);
    const title = `${town} and ${partner} hold ${ORDINALS[n - 1]} ${forum}`;
    const paragraphs = [
      `The ${ORDINALS[n - 1]} ${forum} between ${town} and ${partner} was held in ${i % 2 ? partner : town} on ${MONTHS[month - 1]} ${day}.`,
      `Delegates agreed to ${outcomes[i]}.`,
      r() < 0.6 ? `The next forum is due to be held in ${i % 2 ? town : partner} in ${y + 1 + Math.floor(r() * 2)}.` : `The delegations also toured the port.`,
      ...(i === years.length - 1 ? [`The forum was first held in ${years[0] - n}.`] : []),
      ...filler(r, town, 1),
    ];
    const text = `${title}\n\n${MONTHS[month - 1]} ${day}\n\n${paragraphs.join('\n\n')}\n`;
    return { file: `${id}-${i}.txt`, date: `--${pad(month)}-${pad(day)}`, story: id, text };
  });
  const last = years.length - 1;
  return {
    articles,
    timeline: { topic: `the ${forum} between ${town} and ${partner}`, story: id, files: articles.map((a) => a.file) },
    questions: [
      { q: `What was agreed at the most recent ${forum}?`, a: [outcomes[last]], file: articles[last].file, kind: 'latest', story: id },
      { q: `What did delegates agree at the earliest ${forum} reported?`, a: [outcomes[0]], file: articles[0].file, kind: 'earliest', story: id },
    ],
  };
}

/** `count` stories of each kind, every article dated between 2010 and the year before `today`. */
export function storyCorpus(seed: number, count = 4, today = '2026-12-06', opts: { meetings?: boolean } = {}): StoryCorpus {
  const r = uniform(seed);
  const names = namer(r);
  const thisYear = +today.slice(0, 4);
  const out: StoryCorpus = { articles: [], questions: [], timelines: [], today };
  const years = (n: number) => {
    const ys: number[] = [];
    let y = 2011 + Math.floor(r() * 6);
    for (let i = 0; i < n; i++) {
      ys.push(y);
      y += 1 + Math.floor(r() * 3);
    }
    return ys.map((x) => Math.min(x, thisYear - 1 - (n - 1 - ys.indexOf(x))));
  };
  for (let i = 0; i < count; i++) {
    const town = names.town();
    const river = names.river();
    for (const b of [
      fareStory(r, town, river, `s${seed}-fare-${i}`, years(3)),
      reportStory(r, names, `s${seed}-report-${i}`, years(3 + (i % 2)), thisYear),
      chairStory(r, names, `s${seed}-chair-${i}`, years(3)),
      bridgeStory(r, town, river, `s${seed}-bridge-${i}`, years(3)),
      // Without them (--no-meetings), the stories before this kind was added, draw for draw.
      ...(opts.meetings === false ? [] : [meetingStory(r, names, `s${seed}-meeting-${i}`, years(3))]),
    ]) {
      out.articles.push(...b.articles);
      out.questions.push(...b.questions);
      out.timelines.push(b.timeline);
    }
  }
  return out;
}
