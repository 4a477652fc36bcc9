// The proper names of a question: what the reranker asks a passage's article to mention.
import { describe, expect, it } from 'vitest';
import { questionNames } from '../src/search/names.js';

describe("a question's names", () => {
  it('are its runs of capitalised words and its acronyms', () => {
    expect(questionNames('When did Leon Panetta meet NATO officials in Hanoi?').sort()).toEqual(['Hanoi', 'Leon Panetta', 'NATO']);
    expect(questionNames('what did they agree on dioxin?')).toEqual([]);
    expect(questionNames("Who ruined Roussel de Bailleul's plans?")).toEqual(['Roussel de Bailleul']);
  });

  it('leave out a capital that only starts a sentence, not a name that starts one', () => {
    expect(questionNames('Complexity theory seeks to define what?')).toEqual([]);
    expect(questionNames('Which coast is the desert on? Name it.')).toEqual([]);
    expect(questionNames('Richard Karp wrote which paper in 1972?')).toEqual(['Richard Karp']);
    expect(questionNames('NATO met where?')).toEqual(['NATO']);
  });

  it('read through abbreviations', () => {
    expect(questionNames('When did the U.S. Navy visit Cam Ranh Bay?').sort()).toEqual(['Cam Ranh Bay', 'U.S Navy']);
  });
});
