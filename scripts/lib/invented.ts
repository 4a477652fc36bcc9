// Invented news articles for training and testing: made-up towns, rivers, people, companies, currencies,
// amounts and dates, so that no model can have seen them and no rule can lean on a known name. Each
// article states facts; each fact comes with a question in the article's own words (plain), one in other
// words keeping the names (paraphrase: a reader rewording, who still says "Brindlemoor"), and each article
// with near-miss questions about its own people and things asking for a detail it does not give (a cost,
// a count, a name, a date). A seed makes it
// repeatable: training uses some seeds, tests and evaluation others.
import { uniform } from '../../src/embed/static/svd.js';

export interface InventedArticle {
  file: string;
  title: string;
  /** The article as a plain-text file: title, blank line, paragraphs separated by blank lines. */
  text: string;
}

export interface InventedQuestion {
  q: string;
  /** Acceptable answer strings, each verbatim in the article. */
  a: string[];
  doc: string;
  kind: 'plain' | 'paraphrase';
}

export interface NearMiss {
  q: string;
  doc: string;
}

export interface InventedCorpus {
  articles: InventedArticle[];
  questions: InventedQuestion[];
  nearMisses: NearMiss[];
}

export type Rng = () => number;

const ONSETS = ['br', 'qu', 'th', 'v', 'k', 'm', 'd', 'gr', 'st', 'h', 'l', 'p', 'z', 'fr', 'w', 'sk', 'n', 't', 'c', 'j', 'sh', 'r', 'pl', 'dr'];
const NUCLEI = ['a', 'e', 'i', 'o', 'u', 'ae', 'ei', 'ou', 'y', 'ai', 'oa'];
const CODAS = ['n', 'l', 'r', 'th', 'st', 'm', 'v', 'sk', 'nd', 'rk', 'ss', 'x', 'ld', 'ck', 'sh', ''];
const TOWN_ENDS = ['moor', 'ford', 'wick', 'stead', 'holm', 'mere', 'ton', 'by', 'gate', 'haven', 'field', 'bury', 'ness'];
export const CURRENCIES = ['florins', 'dravels', 'quints', 'thalers', 'korvens', 'sollets', 'marrows', 'pellins', 'crowns', 'zerets'];
const UNITS = ['ells', 'rods', 'strides', 'chains', 'fathoms', 'spans'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
const NUMBER_WORDS = ['two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven'];

export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function syllable(r: Rng): string {
  return pick(r, ONSETS) + pick(r, NUCLEI) + pick(r, CODAS);
}

function word(r: Rng, syllables = 2): string {
  let w = '';
  for (let i = 0; i < syllables; i++) w += syllable(r);
  return w;
}

/** Invented names, never the same twice in one corpus. */
export function namer(r: Rng) {
  const used = new Set<string>();
  const fresh = (make: () => string) => {
    for (;;) {
      const n = make();
      if (!used.has(n.toLowerCase()) && n.length >= 4 && n.length <= 14) {
        used.add(n.toLowerCase());
        return n;
      }
    }
  };
  return {
    town: () => fresh(() => cap(word(r, 1) + pick(r, TOWN_ENDS))),
    river: () => fresh(() => cap(word(r, 2))),
    person: () => `${fresh(() => cap(word(r, 2)))} ${fresh(() => cap(word(r, 2)))}`,
    surnameOf: (person: string) => person.split(' ')[1],
    company: () => fresh(() => cap(word(r, 2))),
    thing: () => fresh(() => cap(word(r, 2))),
  };
}

function amount(r: Rng): string {
  const n = Math.floor(1_000_000 + r() * 9_000_000);
  return n.toLocaleString('en');
}

const year = (r: Rng) => String(1840 + Math.floor(r() * 160));
const smallNumber = (r: Rng) => String(3 + Math.floor(r() * 90));
const monthYear = (r: Rng) => `${pick(r, MONTHS)} ${2027 + Math.floor(r() * 3)}`;
const dayDate = (r: Rng) => `${pick(r, MONTHS)} ${1 + Math.floor(r() * 28)}`;

interface Fact {
  sentence: string;
  plain: string;
  paraphrase: string;
  answer: string[];
}

interface Story {
  title: string;
  lead: Fact[];
  body: Fact[];
  filler: string[];
  nearMisses: string[];
}

type Names = ReturnType<typeof namer>;

const PROJECTS = [
  { thing: 'footbridge', para: 'pedestrian crossing' },
  { thing: 'ferry pier', para: 'landing stage for boats' },
  { thing: 'flood wall', para: 'barrier against high water' },
  { thing: 'covered market', para: 'indoor trading hall' },
  { thing: 'clock tower', para: 'tower with a public clock' },
  { thing: 'swimming bath', para: 'public pool' },
];

function councilStory(r: Rng, n: Names): Story {
  const town = n.town();
  const river = n.river();
  const p = pick(r, PROJECTS);
  const chair = n.person();
  const engineer = n.person();
  const money = `${amount(r)} ${pick(r, CURRENCIES)}`;
  const yes = 5 + Math.floor(r() * 4);
  const vote = `${NUMBER_WORDS[yes - 2]} to ${NUMBER_WORDS[Math.floor(r() * 3)]}`;
  const start = monthYear(r);
  const len = `${smallNumber(r)} ${pick(r, UNITS)}`;
  const since = year(r);
  const day = pick(r, DAYS);
  const others = PROJECTS.filter((x) => x !== p);
  return {
    title: `${town} council approves ${p.thing} over the ${river}`,
    lead: [
      {
        sentence: `The ${town} town council voted ${vote} on ${day} evening to spend ${money} on a ${p.thing} over the ${river} River.`,
        plain: `How much will the ${town} council spend on the ${river} ${p.thing}?`,
        paraphrase: `What sum did ${town}'s councillors set aside for the new ${p.para} on the ${river}?`,
        answer: [money],
      },
    ],
    body: [
      {
        sentence: `Construction of the ${p.thing} is expected to begin in ${start}, according to the council's engineer, ${engineer}.`,
        plain: `When is construction of the ${river} ${p.thing} expected to begin?`,
        paraphrase: `When are builders due to start work on ${town}'s ${p.para}?`,
        answer: [start],
      },
      {
        sentence: `${chair}, who chairs the council, said the ${p.thing} would replace a ferry that has carried passengers across the ${river} since ${since}.`,
        plain: `Since when has a ferry carried passengers across the ${river}?`,
        paraphrase: `For how long have boats been taking people over the ${river}?`,
        answer: [since],
      },
      {
        sentence: `The ${p.thing} will be ${len} long, making it the largest structure in ${town}.`,
        plain: `How long will the ${p.thing} over the ${river} be?`,
        paraphrase: `What length will ${town}'s ${p.para} span?`,
        answer: [len],
      },
      {
        sentence: `The vote was ${vote}, with the two councillors opposed saying the money should go to the town's schools.`,
        plain: `By what margin did the ${town} council vote for the ${p.thing}?`,
        paraphrase: `How did ${town}'s councillors split when they decided on the ${p.para}?`,
        answer: [vote],
      },
      {
        sentence: `${n.surnameOf(engineer)} said the ${p.thing} had been built to withstand the spring floods that close the ${river} crossing most years.`,
        plain: `What was the ${river} ${p.thing} built to withstand?`,
        paraphrase: `Which seasonal danger must ${town}'s new ${p.para} survive?`,
        answer: ['spring floods'],
      },
    ],
    filler: [
      `Residents who attended the meeting applauded when the result was read out.`,
      `${chair} thanked the engineers and the townspeople who had written to the council over the past year.`,
      `The council will publish the full plans on its noticeboard next week.`,
    ],
    nearMisses: [
      `How much will the ${town} council spend on a new ${pick(r, others).thing}?`,
      `When will the ${river} ${p.thing} open to the public?`,
      `Who designed the ${p.thing} over the ${river}?`,
      `How many people use the ${river} ferry each day?`,
      `What toll will be charged on the ${town} ${p.thing}?`,
      `How much did the ${town} council spend on its schools last year?`,
    ],
  };
}

function companyStory(r: Rng, n: Names): Story {
  const buyer = `${n.company()} Holdings`;
  const target = `${n.company()} Works`;
  const city = n.town();
  const ceo = n.person();
  const founder = n.person();
  const price = `${amount(r)} ${pick(r, CURRENCIES)}`;
  const staff = `${(200 + Math.floor(r() * 4000)).toLocaleString('en')} people`;
  const founded = year(r);
  const product = pick(r, ['copper wire', 'glass lenses', 'ceramic tiles', 'rope and netting', 'bicycle frames', 'canvas sails']);
  const close = monthYear(r);
  return {
    title: `${buyer} to buy ${target}`,
    lead: [
      {
        sentence: `${buyer} has agreed to pay ${price} for ${target}, the ${city} maker of ${product}, the two companies said on ${pick(r, DAYS)}.`,
        plain: `How much has ${buyer} agreed to pay for ${target}?`,
        paraphrase: `What price did ${buyer} agree for the ${city} firm ${target}?`,
        answer: [price],
      },
    ],
    body: [
      {
        sentence: `${target} employs ${staff} at its works in ${city}, all of whom will keep their jobs, according to ${ceo}, the chief executive of ${buyer}.`,
        plain: `How many people does ${target} employ?`,
        paraphrase: `What is the size of ${target}'s workforce?`,
        answer: [staff],
      },
      {
        sentence: `The company was founded in ${founded} by ${founder}, whose family still owns a fifth of its shares.`,
        plain: `In what year was ${target} founded?`,
        paraphrase: `How old is the business that makes ${product} in ${city}? When did it start?`,
        answer: [founded],
      },
      {
        sentence: `The purchase is expected to be completed in ${close}, once regulators have approved it.`,
        plain: `When is the purchase of ${target} expected to be completed?`,
        paraphrase: `By when should ${buyer}'s takeover be finished?`,
        answer: [close],
      },
      {
        sentence: `${founder} started the business making ${product} in a rented shed beside the ${city} canal.`,
        plain: `Who founded ${target}?`,
        paraphrase: `Whose idea was ${target} in the first place?`,
        answer: [founder],
      },
      {
        sentence: `${ceo} said ${buyer} would keep the ${target} name and invest in new machinery at the ${city} works.`,
        plain: `Who is the chief executive of ${buyer}?`,
        paraphrase: `Who runs ${buyer}?`,
        answer: [ceo],
      },
    ],
    filler: [
      `Shares in ${buyer} rose slightly after the announcement.`,
      `Neither company would say whether other bidders had been approached.`,
      `Workers at the ${city} works were told of the sale at a meeting in the morning.`,
    ],
    nearMisses: [
      `How much profit did ${target} make last year?`,
      `How much debt does ${buyer} carry?`,
      `Who is ${target}'s largest customer?`,
      `How many factories does ${buyer} own?`,
      `Which bank advised ${buyer} on the purchase of ${target}?`,
      `How much did ${target} sell its ${product} for?`,
    ],
  };
}

function festivalStory(r: Rng, n: Names): Story {
  const town = n.town();
  const festival = `${n.thing()} Festival`;
  const headliner = n.person();
  const organiser = n.person();
  const visitors = `${(5000 + Math.floor(r() * 90000)).toLocaleString('en')} visitors`;
  const first = year(r);
  const ticket = `${10 + Math.floor(r() * 80)} ${pick(r, CURRENCIES)}`;
  const days = `${NUMBER_WORDS[Math.floor(r() * 5)]} days`;
  const date = dayDate(r);
  const art = pick(r, ['folk music', 'puppet theatre', 'lantern making', 'choral singing', 'street dance', 'kite flying']);
  return {
    title: `${festival} draws record crowds to ${town}`,
    lead: [
      {
        sentence: `The ${festival} in ${town} drew ${visitors} this year, the most since it was first held in ${first}, its organisers said.`,
        plain: `How many visitors did the ${festival} draw this year?`,
        paraphrase: `How big was the crowd at ${town}'s ${festival}?`,
        answer: [visitors],
      },
    ],
    body: [
      {
        sentence: `The festival, which celebrates ${art}, was first held in ${first} in the yard of the old ${town} brewery.`,
        plain: `When was the ${festival} first held?`,
        paraphrase: `Since what year has ${town} hosted the ${festival}?`,
        answer: [first],
      },
      {
        sentence: `${headliner} closed the festival on ${date} with a performance in the market square.`,
        plain: `Who closed the ${festival}?`,
        paraphrase: `Which performer had the last word at the ${festival}?`,
        answer: [headliner],
      },
      {
        sentence: `A ticket for all ${days} cost ${ticket}, and children under twelve were admitted free.`,
        plain: `How much did a ticket for the ${festival} cost?`,
        paraphrase: `What did adults pay to get into the ${festival}?`,
        answer: [ticket],
      },
      {
        sentence: `${organiser}, who has run the festival for a decade, said the town's hotels had been full for a week.`,
        plain: `Who runs the ${festival}?`,
        paraphrase: `Who is in charge of organising ${town}'s ${festival}?`,
        answer: [organiser],
      },
      {
        sentence: `This year the festival lasted ${days}, one more than last year.`,
        plain: `How many days did the ${festival} last this year?`,
        paraphrase: `For how long did the ${festival} go on?`,
        answer: [days],
      },
    ],
    filler: [
      `Stalls along the river sold food from the surrounding villages.`,
      `Volunteers spent the following morning clearing the square.`,
      `Next year's dates will be announced in the spring.`,
    ],
    nearMisses: [
      `How much money did the ${festival} raise for charity?`,
      `Who opened the ${festival}?`,
      `How many performers took part in the ${festival}?`,
      `Where will the ${festival} be held next year?`,
      `How much did the ${town} council contribute to the ${festival}?`,
      `How many visitors did the ${festival} draw in its first year?`,
    ],
  };
}

function studyStory(r: Rng, n: Names): Story {
  const uni = `University of ${n.town()}`;
  const lead = n.person();
  const colleague = n.person();
  const subjects = `${(40 + Math.floor(r() * 900)).toLocaleString('en')} volunteers`;
  const pct = `${5 + Math.floor(r() * 80)} percent`;
  const journal = `the ${n.thing()} Review`;
  const months = `${NUMBER_WORDS[Math.floor(r() * 10)]} months`;
  const topic = pick(r, [
    { does: 'slept with the window open', found: 'fell asleep faster', para: 'nodded off more quickly' },
    { does: 'walked to work', found: 'reported fewer headaches', para: 'suffered fewer headaches' },
    { does: 'drank tea made from nettles', found: 'had lower blood pressure', para: 'showed lower blood pressure' },
    { does: 'learned to whistle', found: 'remembered more words', para: 'recalled more vocabulary' },
  ]);
  return {
    title: `Study finds people who ${topic.does} ${topic.found}`,
    lead: [
      {
        sentence: `People who ${topic.does} ${topic.found}, according to a study of ${subjects} by researchers at the ${uni}.`,
        plain: `How many volunteers were in the ${uni} study?`,
        paraphrase: `How large was the group the ${uni} researchers studied?`,
        answer: [subjects],
      },
    ],
    body: [
      {
        sentence: `Those who ${topic.does} said they ${topic.found} in ${pct} of the nights recorded, the researchers found.`,
        plain: `In what share of nights did those who ${topic.does} say they ${topic.found}, according to the ${uni} researchers?`,
        paraphrase: `How often, in percentage terms, did the ${uni} participants who ${topic.does} benefit?`,
        answer: [pct],
      },
      {
        sentence: `The study, led by ${lead}, was published in ${journal} on ${dayDate(r)}.`,
        plain: `Who led the ${uni} study?`,
        paraphrase: `Who headed the research team at the ${uni}?`,
        answer: [lead],
      },
      {
        sentence: `The findings appeared in ${journal}, which had asked other scientists to check the data first.`,
        plain: `In which journal did the ${uni} findings appear?`,
        paraphrase: `Where were the ${uni} results published?`,
        answer: [journal.replace(/^the /, '')],
      },
      {
        sentence: `The volunteers were followed for ${months} and kept a diary of each day.`,
        plain: `For how many months were the ${uni} volunteers followed?`,
        paraphrase: `How long did the ${uni} researchers track the participants?`,
        answer: [months],
      },
      {
        sentence: `${colleague}, a co-author of the study, cautioned that it showed an association, not a cause.`,
        plain: `What did ${colleague} caution about the ${uni} study?`,
        paraphrase: `What warning did a co-author give about the ${uni} findings?`,
        answer: ['an association, not a cause'],
      },
    ],
    filler: [
      `The researchers plan a larger trial next year.`,
      `Independent experts welcomed the findings but called for more work.`,
      `The study was paid for by a charitable foundation.`,
    ],
    nearMisses: [
      `How much did the ${uni} study cost?`,
      `How old were the volunteers in the ${uni} study?`,
      `Which government agency approved the ${uni} study?`,
      `How many of the ${uni} volunteers dropped out?`,
      `When will the ${uni} researchers publish their next study?`,
      `Who peer-reviewed the ${uni} study?`,
    ],
  };
}

const STORIES = [councilStory, companyStory, festivalStory, studyStory];

/** `count` invented articles with their questions, from `seed`. */
export function inventCorpus(seed: number, count: number): InventedCorpus {
  const r = uniform(seed);
  const n = namer(r);
  const out: InventedCorpus = { articles: [], questions: [], nearMisses: [] };
  for (let i = 0; i < count; i++) {
    const story = STORIES[i % STORIES.length](r, n);
    const file = `invented-${seed}-${String(i).padStart(3, '0')}.txt`;
    // Paragraphs of one or two sentences, in a shuffled order after the lead, with filler among them.
    const body = [...story.body.map((f) => f.sentence), ...story.filler].sort(() => r() - 0.5);
    const paragraphs: string[] = [story.lead.map((f) => f.sentence).join(' ')];
    for (let j = 0; j < body.length; j++) {
      if (j + 1 < body.length && r() < 0.35) {
        paragraphs.push(`${body[j]} ${body[j + 1]}`);
        j++;
      } else paragraphs.push(body[j]);
    }
    out.articles.push({ file, title: story.title, text: `${story.title}\n\n${paragraphs.join('\n\n')}\n` });
    for (const f of [...story.lead, ...story.body]) {
      out.questions.push({ q: f.plain, a: f.answer, doc: file, kind: 'plain' });
      out.questions.push({ q: f.paraphrase, a: f.answer, doc: file, kind: 'paraphrase' });
    }
    for (const q of story.nearMisses) out.nearMisses.push({ q, doc: file });
  }
  return out;
}
