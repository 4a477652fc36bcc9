// Dates, sums of money, percentages and numbers as patterns: what ingest/entities.ts counts in each passage
// at index time and search/answer-type.ts looks for in a sentence at question time, so both agree on what
// "a sum of money" is.

export const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';

export const DATE = `\\b(?:${MONTH}\\.?\\s+\\d{1,2}\\b|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH}\\b|(?:1[0-9]|20)\\d{2}s?\\b|${MONTH}\\b|(?:mon|tues|wednes|thurs|fri|satur|sun)day\\b|\\d{1,2}(?:st|nd|rd|th)\\s+centur(?:y|ies)\\b|\\b\\d{1,2}/\\d{1,2}/\\d{2,4}\\b|(?:yesterday|today|tomorrow)\\b)`;

/**
 * Plural nouns that count things or measure time and size: after a number they are not a currency. Any
 * other plural word after an amount may be one ("4,817,250 florins", "38 korvens"): a news article names
 * currencies no list can hold.
 */
const NOT_MONEY = [
  'people', 'persons', 'men', 'women', 'children', 'kids', 'adults', 'residents', 'visitors', 'members', 'workers', 'employees', 'staff',
  'students', 'pupils', 'teachers', 'volunteers', 'participants', 'patients', 'voters', 'votes', 'seats', 'troops', 'soldiers', 'officers',
  'users', 'customers', 'passengers', 'fans', 'players', 'teams', 'games', 'matches', 'goals', 'points', 'runs', 'wins', 'losses',
  'years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds', 'decades', 'centuries', 'nights', 'times', 'percent', 'cases', 'deaths',
  'miles', 'kilometres', 'kilometers', 'km', 'metres', 'meters', 'feet', 'inches', 'yards', 'acres', 'hectares', 'tonnes', 'tons',
  'kilograms', 'kg', 'grams', 'litres', 'liters', 'gallons', 'degrees', 'storeys', 'stories', 'floors', 'pages', 'words', 'copies',
  'units', 'items', 'homes', 'houses', 'buildings', 'cars', 'vehicles', 'ships', 'aircraft', 'planes', 'countries', 'cities', 'towns',
  'companies', 'jobs', 'schools', 'hospitals', 'beds', 'rooms', 'books', 'films', 'songs', 'episodes', 'languages', 'species', 'animals',
  'trees', 'steps', 'lines', 'tests', 'samples', 'studies', 'respondents', 'sites', 'projects', 'files', 'tasks', 'servers', 'hosts',
];

const CURRENCY_WORDS = 'dollars|euros|pounds|yen|yuan|dong|rupees|francs|pesos|usd|eur|gbp|vnd';

/** A sum of money: a currency sign, a known currency, or an amount followed by a plural word that counts nothing else. */
export const MONEY = `(?:[$€£¥₫]\\s?\\d[\\d,.]*(?:\\s?(?:million|billion|trillion|[mbk]n?)\\b)?|\\b\\d[\\d,.]*\\s?(?:million |billion |trillion )?(?:${CURRENCY_WORDS})\\b|\\b\\d[\\d,.]*\\s?(?:million |billion |trillion )?(?!(?:${NOT_MONEY.join('|')})\\b)\\p{Ll}{3,}s\\b)`;

export const PERCENT = '\\b\\d[\\d,.]*\\s?(?:%|per ?cent\\b|percentage points?\\b)';

export const NUMBER = '\\b\\d[\\d,.]*\\b|\\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|dozen|dozens|hundreds|thousands|millions)\\b';
