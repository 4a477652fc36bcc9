// English stopwords from npm `stopword`, plus function words it lacks that questions are full of
// ("during", "whose", "according", "when", "will"), minus "us": in news about the United States it is a name.
import { eng } from 'stopword';

const EXTRA = (
  'during within without upon among amongst against toward towards via per whether whose whom whoever ' +
  'whichever whatever however although though unless until till since onto across along around behind ' +
  'beside besides beyond despite except inside outside throughout thus hence yet also else ever never ' +
  'often already still even just many much several various according etc shall may might must would ' +
  'could will when where why how say says saying'
).split(' ');

export const STOPWORDS: ReadonlySet<string> = new Set([...eng, ...EXTRA].filter((w: string) => w !== 'us'));
