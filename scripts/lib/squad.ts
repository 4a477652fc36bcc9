// A SQuAD 2.0 file as articles (one per title, one passage per paragraph, already clean) and questions.
import fs from 'node:fs';
import { unglue } from '../../src/ingest/glued.js';
import type { Article } from '../../src/ingest/types.js';

interface SquadFile {
  data: { title: string; paragraphs: { context: string; qas: { question: string; is_impossible?: boolean; answers: { text: string }[] }[] }[] }[];
}

export interface SquadQuestion {
  question: string;
  answers: string[];
  /** The article's title as in the file (its file is `${title}.txt`). */
  title: string;
  paragraph: number;
  impossible: boolean;
}

export function readSquad(file: string): { articles: Article[]; questions: SquadQuestion[] } {
  const squad = JSON.parse(fs.readFileSync(file, 'utf8')) as SquadFile;
  const articles: Article[] = [];
  const questions: SquadQuestion[] = [];
  for (const d of squad.data) {
    const name = `${d.title}.txt`;
    let at = 0;
    const passages = d.paragraphs.map((p, i) => {
      for (const qa of p.qas) {
        questions.push({ question: qa.question, answers: qa.answers.map((a) => a.text), title: d.title, paragraph: i + 1, impossible: !!qa.is_impossible });
      }
      const passage = { docId: name, file: name, paragraph: i + 1, part: 0, start: at, end: at + p.context.length, text: p.context, searchText: unglue(p.context) };
      at += p.context.length + 2;
      return passage;
    });
    articles.push({ docId: name, file: name, format: 'txt', title: d.title.replace(/_/g, ' '), titleIsFallback: false, source: null, date: null, url: null, byline: null, passages, warnings: [] });
  }
  return { articles, questions };
}
