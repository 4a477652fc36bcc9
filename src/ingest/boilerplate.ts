// Lines that are page furniture wherever they appear: calls to action, credits, promos. General patterns
// seen across many sites (not one site's wording), checked only on short blocks.
const PATTERNS: RegExp[] = [
  /^(?:advertisement|advertising|ad|sponsored(?: content)?|paid content|story continues (?:below|after)(?: (?:this )?advertisement)?)$/i,
  /^(?:continue|keep) reading\b/i,
  /^read (?:more|also|next|this|the full (?:story|article)|our)\b/i,
  /^\[?(?:read|see|watch|listen|related|more)(?: (?:also|more|next))?\s*:/i,
  /^related(?: (?:stories|articles|coverage|content|links|reading|news|posts|topics|video|videos))?\s*:?$/i,
  /^(?:more (?:from|on|about|stories|news|in)\b.{0,60})$/i,
  /^(?:sign up|subscribe|register)\b.{0,120}$/i,
  /\bnewsletters?\b.{0,80}$/i,
  /^(?:advert|adverts|comments?|\d+ comments?|sign in|log ?in|log ?out|breaking news|don'?t miss|tell us what you think\W*|most (?:popular|read|viewed)|trending(?: now)?|top stories|editor'?s picks?|recommended(?: for you)?|you (?:may|might) also like|more videos?|latest (?:news|stories|videos)|watch(?: now)?|listen(?: now)?|menu|search|close|back to top|skip to (?:main )?content)\W*$/i,
  /\buses? cookies\b|\bcookie (?:settings|preferences|notice)\b|\baccept (?:all )?cookies\b/i,
  /^\[(?:[a-z_]+\s[^\]]*=[^\]]*|\/[a-z_]+)\]/i, // a leftover WordPress shortcode ([button link=…])
  /^https?:\/\/\S+$/i,
  /^(?:have a (?:news )?tip|got a (?:news )?tip|story tip)\b/i,
  /\b(?:can|may) be (?:reached|contacted) at\b/i,
  /^(?:contact|email) (?:the )?(?:author|reporter|writer|us)\b/i,
  // Advertisement labels in other languages (pages are saved from anywhere).
  /^(?:iklan|anuncio|anúncio|publicidad|publicidade|publicité|werbung|anzeige|pubblicità|reclame|advertentie|реклама|広告|광고)$/i,
  /^(?:tempo de leitura|tiempo de lectura|reading time|temps de lecture|lesezeit)\s*:.{0,20}$|^\d+\s*min(?:ute)?s?\s+read$/i,
  /\b(?:affiliate|referral) links?\b|\bmay (?:earn|receive) (?:a )?(?:small )?(?:commission|compensation)\b/i,
  /^about the (?:author|writer|reporter)s?\W*$/i,
  /^(?:additional )?reporting by\b|^(?:editing|edited|writing|compiled) by\b/i,
  /\bsubject to copyright\b|^citation\s*:/i,
  /\bif you (?:enjoyed|liked|found value in) (?:this|the) (?:article|story|post|piece)\b/i,
  /^(?:join|support) (?:our|us)\b.{0,120}$/i,
  /^follow\b.{0,80}\b(?:coverage|updates)\b/i,
  /^(?:published|updated|posted)\s+\d+\s+(?:minutes?|hours?|days?|weeks?|months?)\s+ago$/i,
  /^(?:\d+\s+)?of\s+\d+$/i,
  /\((?:ap|afp|reuters|getty|epa|pa)(?: photo| images| wire)?\b[^)]{0,60}\)$/i,
  /\|\s*(?:getty images|reuters|ap|afp|epa|shutterstock|bloomberg)\s*$/i,
  /\bphotos? ©/i,
  /^follow (?:us|me|@|[\w .]{1,40} on (?:twitter|facebook|instagram|linkedin|x)\b)/i,
  /^(?:share|tweet|email|print)(?: (?:this|on|via|the|article|story|page))?\b.{0,40}$/i,
  /^click (?:here|to)\b/i,
  /^(?:photo|photograph|image|picture|illustration|video|graphic)s?(?: (?:credit|by|courtesy))?\s*:/i,
  /^(?:credit|source|via)\s*:.{0,80}$/i,
  /^(?:©|\(c\)|copyright\b)/i,
  /^(?:getty images|ap photo|reuters|afp|shutterstock|istock)\b.{0,60}$/i,
  /^\((?:reuters|ap|afp|getty images|shutterstock|photo)[^)]*\)$/i,
  /^we accept\b/i,
  /\b(?:all rights reserved|terms of (?:use|service)|privacy policy|cookie policy)\b/i,
  /^(?:tags?|topics?|filed under|categories?)\s*:/i,
  /^(?:loading|please wait)\b.{0,30}$/i,
  /^(?:this (?:article|story|post) (?:first )?appeared (?:in|on)|originally published (?:in|on|at))\b/i,
  /^(?:image|photo|video) \d+ of \d+$/i,
  /^\d+ (?:photos|images|pictures)$/i,
  /^(?:gallery|slideshow)\s*[:|]/i,
];

/** Furniture however long the block: legal notices and membership pitches. */
const LONG_PATTERNS: RegExp[] = [
  /\bsubject to copyright\b/i,
  /^if you (?:enjoyed|liked|found value in) (?:this|the) (?:article|story|post|piece)\b/i,
  /^join (?:our|us)\b/i,
  /^this (?:website|site) uses cookies\b/i,
];

/** A caption that says who is where in a photo: "(left)", "(pictured)". */
const CAPTION_POSITION = /\((?:left|right|centre|center|pictured|top|bottom|above|below|inset|l|r)\)(?![^.!?]*[.!?]\s+\p{Lu})/u;

/** True for a block that is page furniture (a call to action, a credit, a promo, a caption). */
export function boilerplateLine(text: string): boolean {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return false;
  if (t.length <= 200 && (PATTERNS.some((re) => re.test(t)) || (CAPTION_POSITION.test(t) && !/[.!?]["”’)]?$/.test(t)))) return true;
  return t.length <= 600 && LONG_PATTERNS.some((re) => re.test(t));
}
