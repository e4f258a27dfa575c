import countries from "i18n-iso-countries/index.js";
import en from "i18n-iso-countries/langs/en.json" with { type: "json" };

// The package's Node entry registers ~80 locales; the rules accept English names only,
// so load the locale-free core and register English alone.
countries.registerLocale(en);

// Names people type that the English locale lacks (docs/RULES.md "full English country names").
const EXTRA_ALIASES: Readonly<Record<string, string>> = {
  England: "GB",
  Scotland: "GB",
  Wales: "GB",
  "Northern Ireland": "GB",
  Britain: "GB",
  Holland: "NL",
  "Republic of Ireland": "IE",
  Laos: "LA",
  Syria: "SY",
  Moldova: "MD",
  Micronesia: "FM",
  Brunei: "BN",
  "Cabo Verde": "CV",
  Swaziland: "SZ",
  Macedonia: "MK",
  Burma: "MM",
  Vatican: "VA",
  "Vatican City": "VA",
  "Holy See": "VA",
  "Falkland Islands": "FK",
  Macau: "MO",
  "Viet Nam": "VN",
  "East Timor": "TL",
  "Saint Martin": "MF",
  "Sint Maarten": "SX",
  "Democratic Republic of Congo": "CD",
  "DR Congo": "CD",
  DRC: "CD",
  "Congo-Brazzaville": "CG",
  "Congo-Kinshasa": "CD",
  "Hong Kong SAR": "HK",
  "Bolivia (Plurinational State of)": "BO",
  "Venezuela (Bolivarian Republic of)": "VE",
};

/** Letters and digits only, lower-cased, accents dropped: "U.S.A.", "cote d ivoire" and "Côte d’Ivoire" all match. */
function normalizeName(value: string): string {
  return value
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/&/g, "and")
    .replace(/[^\p{L}\p{N}]+/gu, "");
}

const ALPHA2 = new Set(Object.keys(countries.getAlpha2Codes()));
const ALPHA3_TO_ALPHA2: ReadonlyMap<string, string> = new Map(
  Object.entries(countries.getAlpha3Codes()).map(([alpha3, alpha2]) => [alpha3, alpha2]),
);

// A name two countries share ("Congo") maps to null: guessing would put the user in the
// wrong country's office, while null lets the later office rules decide.
const NAME_TO_ALPHA2: ReadonlyMap<string, string | null> = buildNameIndex();

function buildNameIndex(): Map<string, string | null> {
  const index = new Map<string, string | null>();
  const add = (name: string, code: string): void => {
    const key = normalizeName(name);
    if (key === "") return;
    const existing = index.get(key);
    if (existing === undefined) index.set(key, code);
    else if (existing !== code) index.set(key, null);
  };
  for (const [code, names] of Object.entries(countries.getNames("en", { select: "all" }))) {
    for (const name of names) add(name, code);
  }
  for (const [name, code] of Object.entries(EXTRA_ALIASES)) index.set(normalizeName(name), code);
  return index;
}

/**
 * ISO 3166-1 alpha-2 (upper-case) for an alpha-2 or alpha-3 code in any case, or an English
 * country name or common alias; null when empty, unknown or ambiguous. docs/RULES.md rule 4.
 */
export function normalizeCountry(value: string | undefined | null): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  if (trimmed === "") return null;
  const upper = trimmed.toUpperCase();
  if (upper.length === 2 && ALPHA2.has(upper)) return upper;
  if (upper.length === 3) {
    const alpha2 = ALPHA3_TO_ALPHA2.get(upper);
    if (alpha2 !== undefined) return alpha2;
  }
  return NAME_TO_ALPHA2.get(normalizeName(trimmed)) ?? null;
}

/** True for a known ISO alpha-2 code in its canonical upper-case form (as stored on offices). */
export function isCountryCode(value: unknown): value is string {
  return typeof value === "string" && value.length === 2 && value === value.toUpperCase() && ALPHA2.has(value);
}

/** The English short name of an alpha-2 code, for messages; null when unknown. */
export function countryName(code: string): string | null {
  const upper = code.toUpperCase();
  if (!ALPHA2.has(upper)) return null;
  return countries.getName(upper, "en") ?? null;
}
