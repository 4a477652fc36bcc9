// Records produced by ingestion: what an article is, and the passages that can be quoted from it.

export type Format = 'txt' | 'md' | 'html';

/** A file as decoded, before cleaning. Offsets everywhere refer to `text`. */
export interface SourceText {
  file: string; // path relative to the corpus directory, with forward slashes
  format: Format;
  /** The decoded file (for HTML: the article text extracted by Readability). */
  text: string;
  /** Where the body starts (after YAML front matter). */
  bodyStart: number;
  meta: Partial<Pick<ArticleMeta, 'title' | 'source' | 'date' | 'url' | 'byline'>>;
  warnings: string[];
}

export interface ArticleMeta {
  title: string;
  /** True when the text has no headline and the title was made from its first sentence. */
  titleIsFallback: boolean;
  source: string | null; // the outlet: VOV, VNA, VGP…
  date: string | null; // ISO date when the text has one
  url: string | null;
  byline: string | null;
}

export interface Passage {
  docId: string;
  file: string;
  /** 1-based paragraph number in the cleaned article (the ¶n of a citation). */
  paragraph: number;
  /** 0 for a whole paragraph; 1, 2… for the parts of a paragraph split to fit the model. */
  part: number;
  start: number;
  end: number;
  /** Exactly `source.text.slice(start, end)`. */
  text: string;
  /** What search sees: the same words with glued ones split. */
  searchText: string;
}

export interface Article extends ArticleMeta {
  docId: string;
  file: string;
  format: Format;
  passages: Passage[];
  warnings: string[];
}
