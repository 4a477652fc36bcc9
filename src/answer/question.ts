// What a usable question looks like; the same rules for the terminal and for Discord.
export const MAX_QUESTION_CHARS = 500;

/** Invisible characters people paste along with text; they carry no meaning for search. */
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g;

/**
 * The words of a question as typed in a chat: invisible characters, code blocks, markdown emphasis, link
 * targets and Discord mention tokens carry nothing to search for.
 */
export function cleanQuestion(raw: string): string {
  return raw
    .replace(INVISIBLE, '')
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b/g, ' ')
    .replace(/(^|\s)>\s/g, '$1')
    .replace(/[*_~`|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A reason to refuse the question, or null when it can be searched. */
export function questionProblem(question: string): string | null {
  if (!question) return 'Ask a question about the articles, for example: "What did they agree on dioxin?"';
  if (question.length > MAX_QUESTION_CHARS) {
    return `That question is ${question.length} characters long; please keep it under ${MAX_QUESTION_CHARS}.`;
  }
  if (!/[\p{L}\p{N}]/u.test(question)) return 'That question has no words in it. Ask about the articles in words, for example: "When did Esper visit Hanoi?"';
  return null;
}

/** Why a timeline's topic cannot be used, or null. */
export function topicProblem(topic: string): string | null {
  if (!topic) return 'Name a topic for the timeline, for example: "the dioxin clean-up at Bien Hoa".';
  if (topic.length > MAX_QUESTION_CHARS) return `That topic is ${topic.length} characters long; please keep it under ${MAX_QUESTION_CHARS}.`;
  if (!/[\p{L}\p{N}]/u.test(topic)) return 'That topic has no words in it. Name it in words, for example: "US aircraft carrier visits".';
  return null;
}
