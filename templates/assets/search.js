/* Epistola search page, over the index the build writes into pagefind/ (epistola/search.py).

   pagefind/manifest.json names the bundles, each a Pagefind index in a folder named after its
   content:
   - segments: the letters in date order, a few thousand each; a letter is known by its segment
     and its number there, which is its place in the edition's order;
   - recent: the letters changed since their segment was made (the search prefers them: their
     old versions in the segments are left out), with the segment places they belong at;
   - register: the persons of the register;
   - directory: one page for each segment and the register, holding its words; searched first,
     it says which bundles hold every word of a search, so that the others are never loaded.
   Each bundle gets a Pagefind instance of its own, made when a search first needs it. Date order
   and the filters need no help from Pagefind: letters are ordered by their place, and each
   segment has a small table of its letters' facet values (sender, recipient, year, place,
   fond, kind), from which the counts are made. Within a filter group any ticked value will do;
   across groups all must hold; the count of a value leaves its own group's ticks out.

   A search reads only the segments its results on the page need (see Run): a word in every
   letter costs one segment, however large the edition. Until every segment that may hold hits
   has been read, the counts are estimates and the page says so ("about 8,400 letters"), except
   the number of letters holding one word, which the directory knows. A hit links to the
   paragraph (#pN) or note (#note-N) it was found in, with the words in ?highlight=, which
   assets/highlight.js marks on the letter page. */

const FACETS = [
  ["sender", "Sender"],
  ["recipient", "Recipient"],
  ["year", "Year"],
  ["place", "Place"],
  ["fond", "Archive fond"],
  ["kind", "Kind of document"],
];
const PAGE = 10; // letters shown at a time
const PASSAGES = 3; // passages shown for each letter
const VISIBLE_VALUES = 8; // values of a filter group shown before "Show all"
const WINDOW = 30; // words in an excerpt
const PERSONS = 10; // register entries shown

const box = document.getElementById("search");
const siteRoot = new URL(box.dataset.root || "./", location.href);
const indexRoot = new URL(box.dataset.bundles, location.href);
const form = box.querySelector(".search-form");
const input = box.querySelector("#search-input");
const sortSelect = box.querySelector("#search-sort");
const layout = box.querySelector(".search-layout");
const facetsBox = box.querySelector("#search-facets");
const facetsPanel = box.querySelector(".search-facets-panel");
const facetsChosen = box.querySelector(".search-facets-chosen");
const facetsNote = box.querySelector(".search-facets-estimated");
const facetsNoteText = box.querySelector(".search-facets-estimated-text");
const countAll = box.querySelector(".search-count-all");
const NARROW = window.matchMedia("(max-width: 50rem)"); // one column: the filters above the results
const clearButton = box.querySelector(".search-clear");
const status = box.querySelector("#search-status");
const hitsList = box.querySelector(".search-hits");
const moreButton = box.querySelector(".search-more");
const registerBox = box.querySelector(".search-register");
const registerList = box.querySelector(".search-register-list");

let manifest = null;
let values = null; // group -> [value, ...] (the tables refer to values by their number)
let totals = null; // group -> [letters with the value, ...]
let pagefind = null; // the module
let segments = []; // {path, pages, table, instance}
let recent = null; // {path, pages, side, instance, superseded: Set, removed: Set}
let register = null;
let directory = null;
const facetInputs = new Map(); // group -> Map(value -> {input, count, item})
let current = null; // the search on screen
let generation = 0;

/* --- text ------------------------------------------------------------------------------- */

/* Words as Pagefind compares them: lower case, no diacritics, no punctuation. */
const normalised = new Map();
function normalise(word) {
  let found = normalised.get(word);
  if (found === undefined) {
    found = /^[a-z0-9]*$/.test(word) ? word : word.normalize("NFD").replace(/\p{M}/gu, "")
      .toLocaleLowerCase().replace(/[\p{P}\p{S}]/gu, "");
    if (normalised.size < 200000) normalised.set(word, found);
  }
  return found;
}

function queryTerms(term) {
  return term.split(/\s+/).map(normalise).filter(Boolean);
}

/* Endings an English stemmer may take off a word; the longest that leaves three letters. */
const ENDINGS = ["ational", "ization", "fulness", "ousness", "iveness", "ations", "tional", "ation",
  "ement", "ments", "ities", "ings", "ment", "ness", "ence", "ance", "able", "ible", "edly", "ing",
  "ity", "ant", "ent", "ism", "ist", "ive", "ize", "ise", "ous", "ful", "ies", "ied", "ers", "ary",
  "ery", "ed", "ly", "es", "er", "al", "s", "y", "e"];

function stemFloor(term) {
  for (const ending of ENDINGS) {
    if (term.endsWith(ending) && term.length - ending.length >= 3) return term.length - ending.length;
  }
  return term.length;
}

/* Is `word` (of a letter's text) a match for `term`, as Pagefind matched it? It starts with the
   term, or with the term's stem (at least `stemFloor` letters, less one for a changed last
   letter: "parti" of "parties" in "party"). */
function matches(word, term) {
  if (!word) return false;
  let common = 0;
  while (common < word.length && common < term.length && word[common] === term[common]) common++;
  return common === term.length || common >= Math.max(1, stemFloor(term) - 1);
}

function words(text) {
  return text.split(/\s+/).filter(Boolean);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function plural(n, one, many) {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

/* An estimate as a reader would say it: two significant figures ("about 8,400"). */
function rounded(n) {
  if (n < 100) return Math.round(n);
  const scale = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / scale) * scale;
}

/* --- state in the address ----------------------------------------------------------------- */

function readState() {
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const [group] of FACETS) filters[group] = new Set(params.getAll(group));
  return {
    term: params.get("q") || "",
    sort: params.get("sort") === "relevance" ? "relevance" : "date",
    filters,
  };
}

function writeState(state) {
  const params = new URLSearchParams();
  if (state.term) params.set("q", state.term);
  if (state.sort !== "date") params.set("sort", state.sort);
  for (const [group] of FACETS) for (const v of [...state.filters[group]].sort()) params.append(group, v);
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

function formState() {
  const filters = {};
  for (const [group] of FACETS) {
    filters[group] = new Set();
    for (const [value, f] of facetInputs.get(group) || []) if (f.input.checked) filters[group].add(value);
  }
  return { term: input.value.trim(), sort: sortSelect.value, filters };
}

/* --- the index's files ---------------------------------------------------------------------- */

/* A data file of the index: gzip (inflated here, unless the server already did), then JSON,
   after Pagefind's signature when it has one. */
async function loadData(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  let bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  let text = new TextDecoder().decode(bytes);
  if (text.startsWith("pagefind_dcd")) text = text.slice(12);
  return JSON.parse(text);
}

function bundleUrl(bundle, file = "") {
  return new URL(bundle.path + file, indexRoot).href;
}

async function start() {
  const response = await fetch(new URL("manifest.json", indexRoot), { cache: "no-cache" });
  if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}`);
  manifest = await response.json();
  const facets = await loadData(new URL(manifest.facets, indexRoot));
  values = facets.values;
  totals = facets.totals;
  segments = manifest.segments.map((s) => ({ ...s, table: null, instance: null }));
  register = manifest.register ? { ...manifest.register, instance: null } : null;
  directory = manifest.directory ? { ...manifest.directory, instance: null } : null;
  if (manifest.recent) {
    recent = { ...manifest.recent, instance: null };
    recent.side = await loadData(bundleUrl(recent, "epistola.pf_json"));
    recent.superseded = new Set(recent.side.supersedes.filter(Boolean).map(([k, i]) => `${k}:${i}`));
    recent.removed = new Set(recent.side.removed.map(([k, i]) => `${k}:${i}`));
  }
}

async function loadPagefind() {
  if (!pagefind) pagefind = await import(new URL("pagefind.js", indexRoot).href);
  return pagefind;
}

/* The Pagefind instance of a bundle, ready to search. The first made also starts Pagefind's
   worker and its WebAssembly, which every later instance shares: the others are made once it
   is ready (made at the same time, each would start a WebAssembly of its own, and the one
   that came first would be lost). */
let started = null;
function instance(bundle) {
  if (!bundle.instance) {
    const make = async () => {
      const pf = await loadPagefind();
      const made = pf.createInstance({ basePath: bundleUrl(bundle), metaCacheTag: bundle.path });
      await made.options({ excerptLength: WINDOW });
      await made.search(""); // (returns once the instance has read its index's metadata)
      return made;
    };
    bundle.instance = started === null ? make() : started.then(make);
    if (started === null) started = bundle.instance.then(() => {}, () => {});
  }
  return bundle.instance;
}

function table(k) {
  const segment = segments[k];
  if (!segment.table) segment.table = loadData(bundleUrl(segment, "epistola.pf_json")).then((d) => d.facets);
  return segment.table;
}

/* --- searching ----------------------------------------------------------------------------- */

/* Pagefind's words for a search: quotes are dropped (the index keeps no positions to match a
   phrase by; all its words must be in the letter). */
function pagefindTerm(term) {
  return term.replace(/["“”„]/g, " ").replace(/\s+/g, " ").trim();
}

/* The words of a search as Pagefind takes them one by one (its own normalising leaves out
   what has no letter or digit). */
function searchWords(term) {
  return term.split(" ").filter((w) => normalise(w));
}

/* The shortest word of the index that can be a match for `word`: a word Pagefind matched is
   its stem or begins with it; one it fell back to, where the index has no such word, is shorter
   (it begins the stem: "reich" for "reichswehr"). The stem is not known here: it is taken to be
   at least the word less the longest ending a stemmer may take off it, less one letter
   ("parti" of "parties"), as the passages are found (matches). */
function shortest(word) {
  const w = normalise(word);
  return Math.max(1, Math.min(w.length, stemFloor(w) - 1));
}

/* The facet values of a hit, by group: arrays of values. */
function hitFacets(hit) {
  const column = hit.source === "recent" ? recent.side.facets : hit.table;
  const out = {};
  for (const [group] of FACETS) {
    const v = column[group][hit.i];
    out[group] = v == null ? [] : Array.isArray(v) ? v : [v];
  }
  return out;
}

function passes(hit, filters, except = null) {
  for (const [group] of FACETS) {
    if (group === except || !filters[group].size) continue;
    if (!hit.facets[group].some((id) => filters[group].has(values[group][id]))) return false;
  }
  return true;
}

/* The share of a segment's letters written in the years ticked (1 when none is, or when the
   manifest does not say). */
function yearShare(k, filters) {
  const years = segments[k].years;
  if (!filters.year.size || !years) return 1;
  let n = 0;
  for (const year of filters.year) n += years[year] || 0;
  return n / segments[k].pages;
}

/* The order of the edition: segment, then place in it; a recent letter stands before the page
   it was placed before. */
function compareOrder(a, b) {
  return a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2];
}

/* A hit: a letter found, where it is (a segment's page, or the recent bundle's), its place
   in the edition's order, its score, where the words are in it; its facet values (`facets`)
   are read from its table when first asked for. */
class Hit {
  constructor(source, k, i, score, order, table, positions) {
    Object.assign(this, { source, k, i, score, order, table, positions: positions || [] });
    this._facets = null;
  }

  get facets() {
    if (!this._facets) this._facets = hitFacets(this);
    return this._facets;
  }
}

function segmentHits(k, ids, scores, positions, tbl) {
  const hits = [];
  for (let n = 0; n < ids.length; n++) {
    const i = ids[n];
    if (recent && (recent.superseded.has(`${k}:${i}`) || recent.removed.has(`${k}:${i}`))) continue;
    hits.push(new Hit("segment", k, i, scores ? scores[n] : 0, [k, 2 * i + 1, 0], tbl,
      positions ? positions[n] : null));
  }
  return hits;
}

function recentHits(ids, scores, positions = null) {
  return ids.map((j, n) => {
    const [k, i] = recent.side.place[j];
    return new Hit("recent", k, j, scores ? scores[n] : 0, [k, 2 * i, j], null,
      positions ? positions[n] : null);
  });
}

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

const SCALE = 1000000; // a directory location: a word's length times this, plus its pages
const LENGTHS = 256; // a location in the recent bundle: a position times this, plus the length

/* What the directory says of a search: the segments holding every word of it (and, for each,
   the most letters holding one of the words there), and whether the register does. */
async function lookUp(term) {
  const out = { segments: [], counts: new Map(), register: false };
  if (!directory) return out;
  const dir = await instance(directory);
  let pages = null;
  let single = true; // each segment matched one word of the index: its count is exact
  for (const word of searchWords(term)) {
    const least = shortest(word);
    const found = await dir.search(word);
    const here = new Map();
    for (const result of found.results) {
      const held = result.words.filter((l) => Math.floor(l / SCALE) >= least).map((l) => l % SCALE);
      if (held.length > 1) single = false;
      if (held.length) here.set(Number(result.id), Math.max(...held));
    }
    if (pages === null) pages = here;
    else for (const page of [...pages.keys()]) {
      if (!here.has(page)) pages.delete(page);
      else pages.set(page, Math.min(pages.get(page), here.get(page)));
    }
  }
  for (const [page, count] of pages || []) {
    if (page === segments.length) out.register = true;
    else { out.segments.push(page); out.counts.set(page, count); }
  }
  out.segments.sort((a, b) => a - b);
  out.single = single;
  return out;
}

/* One search: its hits so far and how to get the rest.

   Segments are searched as the results on the page need them: in date order, the earliest
   that may hold hits, until the page's results are known; by relevance, those the directory
   says hold the words in the most letters. The counts are exact once every segment that may
   hold hits has been searched ("Count them all" asks for that); until then they are estimated
   from the segments searched, and the page says so. */
class Run {
  constructor(state) {
    this.state = state;
    this.term = pagefindTerm(state.term);
    this.key = JSON.stringify([state.term, state.sort, FACETS.map(([g]) => [...state.filters[g]].sort())]);
    this.filtering = FACETS.some(([g]) => state.filters[g].size);
    // every letter, unfiltered: its counts are known without searching
    this.everything = !this.term && !this.filtering;
    this.dated = state.sort === "date" || !this.term;
    this.hits = []; // every hit found, before the filters
    this.searching = new Map(); // segment -> its search
    this.searched = new Set(); // segments searched
    this.found = new Map(); // segment -> its hits (unfiltered)
    this.candidates = []; // segments that may hold hits
    this.counts = new Map(); // segment -> letters that may hold the words there (directory)
    this.single = false; // one word, which the directory counts exactly
    this.register = [];
    this.registerSearch = Promise.resolve();
    this.shown = 0;
    this.onPage = new Set(); // the hits shown (hitKey)
  }

  /* Every segment that may hold a hit has been searched. */
  get complete() {
    return this.candidates.every((k) => this.searched.has(k));
  }

  /* The number of letters found is exact. */
  get exactTotal() {
    if (this.everything || this.complete) return true;
    if (this.filtering || !this.single) return false;
    // one word: the directory's counts are the letters holding it, unless a recent letter
    // stands in for one of them in a segment not searched yet
    const left = this.candidates.filter((k) => !this.searched.has(k));
    if (recent && [...recent.superseded, ...recent.removed].some((key) => left.includes(Number(key.split(":")[0])))) return false;
    return [...this.searched].every((k) => this.found.get(k) === this.counts.get(k));
  }

  /* The counts of the filter values are exact. */
  get exact() {
    return this.everything || this.complete;
  }

  async prepare() {
    if (!this.term) {
      this.candidates = range(segments.length).filter((k) => yearShare(k, this.state.filters) > 0);
      this.candidates.forEach((k) => this.counts.set(k, segments[k].pages));
      if (recent) this.hits.push(...recentHits(range(recent.pages), null));
      return;
    }
    const [look, fresh] = await Promise.all([lookUp(this.term), this.searchRecent()]);
    // (a segment with no letter of the years ticked holds no hit)
    this.candidates = look.segments.filter((k) => yearShare(k, this.state.filters) > 0);
    this.counts = look.counts;
    this.single = searchWords(this.term).length === 1 && look.single;
    this.hits.push(...fresh);
    // the register is searched beside the segments; the page waits for it with the letters
    if (look.register && register && !this.filtering) {
      this.registerSearch = instance(register).then((reg) => reg.search(this.term))
        .then((found) => { this.register = found.results; });
    }
  }

  /* The recent letters holding every word: no directory covers them, so each word is looked up
     alone too (the location of a word there is its length: see lookUp). */
  async searchRecent() {
    if (!recent || !recent.pages) return [];
    const inst = await instance(recent);
    let held = null;
    for (const word of searchWords(this.term)) {
      const least = shortest(word);
      const found = await inst.search(word);
      const here = new Set(found.results.filter((r) => r.words.some((l) => l % LENGTHS >= least)).map((r) => r.id));
      held = held === null ? here : new Set([...held].filter((id) => here.has(id)));
    }
    const found = await inst.search(this.term);
    const kept = found.results.filter((r) => held && held.has(r.id));
    return recentHits(kept.map((r) => Number(r.id)), kept.map((r) => r.score),
      kept.map((r) => r.words.map((l) => Math.floor(l / LENGTHS))));
  }

  searchSegment(k) {
    if (!this.searching.has(k)) {
      this.searching.set(k, (async () => {
        let hits;
        if (!this.term) {
          const tbl = await table(k);
          hits = segmentHits(k, range(segments[k].pages), null, null, tbl);
        } else {
          const [tbl, inst] = await Promise.all([table(k), instance(segments[k])]);
          const found = await inst.search(this.term);
          this.found.set(k, found.results.length);
          hits = segmentHits(k, found.results.map((r) => Number(r.id)),
            found.results.map((r) => r.score), found.results.map((r) => r.words), tbl);
        }
        this.hits.push(...hits);
        this.searched.add(k);
      })());
    }
    return this.searching.get(k);
  }

  /* The segments not searched yet, in the order to search them. */
  next() {
    const left = this.candidates.filter((k) => !this.searched.has(k));
    if (!this.dated) left.sort((a, b) => (this.counts.get(b) || 0) - (this.counts.get(a) || 0) || a - b);
    return left;
  }

  /* The hits that pass the filters, in the chosen order (kept until more hits come). */
  filtered() {
    if (this._filtered && this._filteredFrom === this.hits.length) return this._filtered;
    const f = this.state.filters;
    const hits = this.filtering ? this.hits.filter((h) => passes(h, f)) : [...this.hits];
    if (this.dated) hits.sort(compareOrder);
    else hits.sort((a, b) => b.score - a.score || compareOrder(a, b));
    this._filtered = hits;
    this._filteredFrom = this.hits.length;
    return hits;
  }

  /* The first `want` results are known: in date order, once that many are found before the
     first segment not searched yet; by relevance, once that many are found (among the
     segments most likely to hold them). */
  ready(want) {
    const left = this.next();
    if (!left.length) return true;
    if (!this.dated) return this.searched.size > 0 && this.filtered().length >= want;
    const first = Math.min(...left);
    return this.filtered().filter((h) => h.order[0] < first).length >= want;
  }

  /* Search until the first `want` results are known (or, with `all`, every candidate). */
  async fill(want, all = false) {
    for (const k of this.next()) {
      if (!all && this.ready(want)) break;
      await this.searchSegment(k);
    }
  }

  /* The letters found, or an estimate: the segments not searched yet are taken to hold hits in
     the same proportion to the directory's count as those searched, for their share of the
     years ticked (segments follow the dates: a year is in a few of them). */
  total() {
    if (this.everything) return manifest.letters;
    const n = this.filtered().length;
    if (this.complete) return n;
    if (this.exactTotal) return n + this.unsearched();
    return Math.round(n + this.unsearched((k) => yearShare(k, this.state.filters)) * this.ratio());
  }

  unsearched(share = () => 1) {
    return this.candidates.filter((k) => !this.searched.has(k))
      .reduce((n, k) => n + (this.counts.get(k) || 0) * share(k), 0);
  }

  /* Hits (with the filters but the year's) for each letter the directory counted in the
     segments searched. */
  ratio() {
    const counted = [...this.searched].reduce((n, k) => n + (this.counts.get(k) || 0), 0);
    const hits = this.hits.filter((h) => h.source === "segment" && passes(h, this.state.filters, "year")).length;
    return counted ? hits / counted : 0;
  }

  /* Counts of each filter value among the hits (scaled to the estimated total when not every
     segment was searched). */
  facetCounts() {
    const out = {};
    if (this.everything) {
      for (const [group] of FACETS) {
        out[group] = {};
        values[group].forEach((v, id) => { out[group][v] = totals[group][id] || 0; });
      }
      return out;
    }
    const found = this.filtered().length;
    const scale = this.exact || !found ? 1 : this.total() / found;
    for (const [group] of FACETS) {
      const counts = {};
      for (const hit of this.hits) {
        if (!passes(hit, this.state.filters, group)) continue;
        for (const id of hit.facets[group]) counts[id] = (counts[id] || 0) + 1;
      }
      out[group] = {};
      for (const [id, n] of Object.entries(counts)) out[group][values[group][id]] = scale === 1 ? n : rounded(n * scale);
    }
    return out;
  }
}

/* --- passages ------------------------------------------------------------------------------ */

const PASSAGE_ID = /^(?:([a-z]{2,3}(?:-[A-Za-z0-9]+)*)-)?(?:p(\d+)|note-(\d+))$/; // "p3", "note-2", "ru-p3"

function pageUrl(url) {
  return new URL(url.replace(/^\//, ""), siteRoot);
}

function highlightParams(url, marked) {
  for (const w of marked) url.searchParams.append("highlight", w);
  return url;
}

function bare(word) {
  return (word || "").replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, "");
}

/* The passages of a letter that hold the words: each paragraph or note, with its hits. The
   index gives the first place of each word it matched in the letter (`positions`); the same
   word elsewhere is a hit too, and so is any word that begins with a searched word. */
function passages(data, terms, positions) {
  const text = words(data.content);
  const forms = new Set(positions.map((p) => normalise(text[p] || "")).filter(Boolean));
  const anchors = data.anchors.filter((a) => PASSAGE_ID.test(a.id)).sort((a, b) => a.location - b.location);
  const groups = new Map();
  let a = -1;
  for (let loc = 0; loc < text.length; loc++) {
    while (a + 1 < anchors.length && anchors[a + 1].location <= loc) a++;
    const word = normalise(text[loc]);
    if (!word || !(forms.has(word) || terms.some((t) => word.startsWith(t)))) continue;
    const anchor = a >= 0 ? anchors[a] : null;
    const key = anchor ? anchor.id : "";
    if (!groups.has(key)) {
      const next = anchors[a + 1];
      groups.set(key, { anchor, start: anchor ? anchor.location : 0, end: next ? next.location : text.length, hits: [] });
    }
    groups.get(key).hits.push(loc);
  }
  return [...groups.values()];
}

function passageLabel(anchor) {
  if (!anchor) return "Heading and description";
  const m = PASSAGE_ID.exec(anchor.id);
  const label = m[2] ? `Paragraph ${m[2]}` : `Note ${m[3]}`;
  return m[1] ? `${label} (${m[1]})` : label;
}

function excerpt(text, passage) {
  const first = passage.hits[0];
  let from = Math.max(passage.start, first - Math.floor(WINDOW / 3));
  const to = Math.min(passage.end, from + WINDOW);
  from = Math.max(passage.start, Math.min(from, to - WINDOW));
  const hits = new Set(passage.hits);
  const p = el("p", { class: "hit-excerpt" });
  if (from > passage.start) p.append("… ");
  for (let i = from; i < to; i++) {
    const word = text[i] || "";
    p.append(hits.has(i) ? el("mark", { text: word }) : word);
    if (i + 1 < to) p.append(" ");
  }
  if (to < passage.end) p.append(" …");
  return p;
}

function metaLine(data) {
  const parts = [];
  if (data.meta.date) parts.push(data.meta.date);
  if (data.meta.place) parts.push(data.meta.place);
  if (data.meta.kind && data.meta.kind !== "letter") parts.push(data.meta.kind);
  return parts.join(" · ");
}

function titleOf(data) {
  const number = data.meta.number;
  let title = data.meta.title || data.meta.url;
  if (number && title.startsWith(`No. ${number} `)) title = title.slice(`No. ${number} `.length);
  return number ? `No. ${number} · ${title}` : title;
}

/* The words of the name forms of the persons a letter involves that the search matched (the
   document gives each word of them once). */
function namesMatched(data, terms) {
  return words(String(data.meta.names || "")).filter((w) => terms.some((t) => normalise(w).startsWith(t)));
}

function renderHit(data, terms, positions) {
  const text = words(data.content);
  const url = pageUrl(data.meta.url);
  const found = terms.length ? passages(data, terms, positions) : [];
  const marked = new Set();
  for (const p of found) for (const loc of p.hits) marked.add(bare(text[loc]));
  const heading = el("h3", {}, el("a", { href: highlightParams(new URL(url), marked).href, text: titleOf(data) }));
  const item = el("li", { class: "hit" }, heading);
  const meta = metaLine(data);
  if (meta) item.append(el("p", { class: "hit-meta", text: meta }));
  if (found.length) {
    const list = el("ul", { class: "hit-passages" });
    for (const p of found.slice(0, PASSAGES)) {
      const link = highlightParams(new URL(url), new Set(p.hits.map((l) => bare(text[l]))));
      if (p.anchor) link.hash = p.anchor.id;
      list.append(el("li", {}, el("a", { href: link.href, text: passageLabel(p.anchor) }), excerpt(text, p)));
    }
    item.append(list);
    if (found.length > PASSAGES) {
      item.append(el("p", { class: "hit-more", text: `and ${plural(found.length - PASSAGES, "more passage", "more passages")} in this letter` }));
    }
  } else if (terms.length) {
    const names = namesMatched(data, terms);
    if (names.length) {
      const p = el("p", { class: "hit-excerpt" }, "Involves a person the register also names ");
      names.slice(0, 4).forEach((name, i) => { if (i) p.append(", "); p.append(el("mark", { text: name })); });
      item.append(p);
    }
  }
  return item;
}

function renderPerson(data, terms) {
  const item = el("li", {}, el("a", { href: pageUrl(data.meta.url || data.url).href, text: data.meta.title || data.url }));
  if (terms.length && data.excerpt) {
    // Pagefind's excerpt is escaped text with <mark> elements only; rebuild it as nodes.
    const p = el("span", { class: "hit-excerpt" });
    const doc = new DOMParser().parseFromString(`<p>${data.excerpt}</p>`, "text/html");
    for (const node of doc.body.firstChild.childNodes) {
      p.append(node.nodeName === "MARK" ? el("mark", { text: node.textContent }) : node.textContent);
    }
    item.append(": ", p);
  }
  return item;
}

function fragment(hit) {
  const bundle = hit.source === "recent" ? recent : segments[hit.k];
  return loadData(bundleUrl(bundle, `fragment/${hit.i}.pf_fragment`));
}

/* --- the page ------------------------------------------------------------------------------ */

const collator = new Intl.Collator(document.documentElement.lang || "en", { sensitivity: "base", numeric: true });
const PARTICLES = new Set(["von", "van", "de", "der", "den", "du", "di", "da", "la", "le", "zu", "ten", "ter"]);

/* How a register sorts a person: by surname ("B. I. Magidov", "Hugo von Hofmannsthal" and
   "Schnitzler, Arthur" under M, H and S); a body's name ("Central Committee of the RCP(b)"),
   whose lower-case words are not particles, sorts as written. */
function surnameKey(name) {
  const plain = name.replace(/[[\]]/g, "").trim();
  if (plain.includes(",")) return plain;
  const words = plain.split(/\s+/);
  if (words.length < 2) return plain;
  if (words.some((w) => w === w.toLowerCase() && !PARTICLES.has(w))) return plain;
  let last = words.length - 1;
  // "Jr." and roman numerals stay with the surname before them
  if (/^(jr\.?|sr\.?|[IVX]+)$/i.test(words[last]) && last > 1) last -= 1;
  return `${words.slice(last).join(" ")}, ${words.slice(0, last).filter((w) => !PARTICLES.has(w)).join(" ")}`;
}

function buildFacets() {
  facetsBox.replaceChildren();
  for (const [group, label] of FACETS) {
    const known = values[group].map((value, id) => [value, totals[group][id] || 0]).filter(([, n]) => n > 0);
    if (!known.length) continue;
    if (group === "year") known.sort((a, b) => a[0].localeCompare(b[0], "en"));
    else if (group === "sender" || group === "recipient") {
      known.sort((a, b) => collator.compare(surnameKey(a[0]), surnameKey(b[0])) || collator.compare(a[0], b[0]));
    } else known.sort((a, b) => (b[1] - a[1]) || a[0].localeCompare(b[0], "en"));
    const fieldset = el("fieldset", { class: "facet" }, el("legend", { text: label }));
    const list = el("ul", { class: "facet-values", id: `facet-${group}` });
    const inputs = new Map();
    known.forEach(([value], i) => {
      const id = `facet-${group}-${i}`;
      const checkbox = el("input", { type: "checkbox", id, name: group, value });
      const count = el("span", { class: "count" });
      const text = group === "kind" ? value.charAt(0).toUpperCase() + value.slice(1) : value;
      const li = el("li", {}, checkbox, " ", el("label", { for: id }, text, " ", count));
      if (i >= VISIBLE_VALUES) li.hidden = true;
      list.append(li);
      inputs.set(value, { input: checkbox, count, item: li });
    });
    fieldset.append(list);
    if (known.length > VISIBLE_VALUES) {
      const toggle = el("button", { type: "button", class: "facet-toggle", "aria-expanded": "false", "aria-controls": list.id, text: `Show all ${known.length}` });
      toggle.addEventListener("click", () => {
        const open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", String(open));
        toggle.textContent = open ? `Show the first ${VISIBLE_VALUES}` : `Show all ${known.length}`;
        [...inputs.values()].forEach((f, i) => { f.item.hidden = !open && i >= VISIBLE_VALUES && !f.input.checked; });
        if (open) countGroup(group, true);
      });
      fieldset.append(toggle);
    }
    facetInputs.set(group, inputs);
    facetsBox.append(fieldset);
  }
}

let shownCounts = null; // {counts, exact}: what the filter values show, for those folded away

/* The counts beside the filter values: those in view now, those folded away ("Show all") when
   they come into view (a group may have thousands of values). */
function showCounts(run, counts) {
  const exact = run.exact;
  shownCounts = { counts, exact };
  for (const group of facetInputs.keys()) countGroup(group, false);
  facetsNote.hidden = exact;
  countAll.hidden = exact;
  if (!exact) {
    facetsNoteText.textContent = `Numbers marked “about” are estimated from the ${plural(searchedLetters(run), "letter", "letters")} searched so far; the rest of the edition is searched when more results are shown.`;
  }
  const chosen = FACETS.reduce((n, [group]) => n + run.state.filters[group].size, 0);
  clearButton.hidden = !chosen;
  facetsChosen.textContent = chosen ? `(${chosen} chosen)` : "";
}

function countGroup(group, all) {
  if (!shownCounts) return;
  const { counts, exact } = shownCounts;
  const found = counts[group] || {};
  for (const [value, f] of facetInputs.get(group)) {
    if (!all && f.item.hidden && !f.input.checked) {
      f.stale = true;
      continue;
    }
    const n = found[value] || 0;
    const text = exact ? `(${n.toLocaleString("en")})` : `(about ${n.toLocaleString("en")})`;
    if (f.count.textContent !== text) f.count.textContent = text;
    const empty = exact && n === 0 && !f.input.checked;
    if (f.empty !== empty) { f.item.classList.toggle("facet-empty", empty); f.empty = empty; }
    if (f.input.checked) f.item.hidden = false;
    f.stale = false;
  }
}

function hitKey(hit) {
  return `${hit.source}:${hit.k}:${hit.i}`;
}

function searchedLetters(run) {
  return [...run.searched].reduce((n, k) => n + segments[k].pages, 0);
}

function describe(run) {
  const order = run.dated ? "in date order" : "by relevance";
  const what = run.state.term ? ` for “${run.state.term}”` : "";
  const filtered = run.filtering ? " with the chosen filters" : "";
  const total = run.total();
  const count = run.exactTotal ? plural(total, "letter", "letters") : `About ${plural(rounded(total), "letter", "letters")}`;
  let text = `${count} found${what}${filtered}`;
  if (total) text += `, ${order}`;
  if (!run.dated && !run.complete) text += ` (ranked among the ${plural(searchedLetters(run), "letter", "letters")} searched so far)`;
  if (run.register.length) text += `; ${plural(run.register.length, "person", "persons")} in the register`;
  return text + ".";
}

/* The next results not on the page yet (by relevance, a segment searched later may rank some
   of its letters above those shown: they come next, none is left out). */
async function showMore(run, focusFirst, finished = true) {
  const from = run.shown;
  await run.fill(from + PAGE);
  const hits = run.filtered().filter((h) => !run.onPage.has(hitKey(h))).slice(0, PAGE);
  for (const hit of hits) run.onPage.add(hitKey(hit));
  const datas = await Promise.all(hits.map(fragment));
  mark("fragments");
  if (run !== current) return;
  const terms = run.term ? queryTerms(run.term) : [];
  const items = datas.map((d, n) => renderHit(d, terms, hits[n].positions));
  hitsList.append(...items);
  run.shown = from + items.length;
  const left = run.complete ? run.filtered().length - run.shown : null;
  moreButton.hidden = run.complete ? left <= 0 : !items.length;
  moreButton.textContent = left ? `Show more letters (${plural(left, "more", "more")})` : "Show more letters";
  if (finished) finish(run);
  if (focusFirst && items.length) items[0].querySelector("a").focus();
}

/* The status line and the counts, as far as the run has got. */
function finish(run) {
  if (run !== current) return;
  showCounts(run, run.facetCounts());
  status.textContent = describe(run);
  box.dataset.counted = `${run.key}|${run.shown}|${run.exact ? "exact" : run.searched.size}`;
}

/* Each step of a search is marked on the page's performance timeline ("search: …"), for the
   benchmarks (bench/search_bench.py). */
function mark(step) {
  performance.mark(`search: ${step}`);
}

async function update() {
  mark("start");
  const state = formState();
  writeState(state);
  const run = new Run(state);
  if (current && current.key === run.key) return;
  const mine = ++generation;
  await run.prepare();
  mark("looked up");
  if (mine !== generation) return;
  await run.fill(PAGE);
  mark("searched");
  if (mine !== generation) return;
  await show(run);
  mark("shown");
}

/* Put a run on the page: its first results, its counts. */
async function show(run) {
  current = run;
  hitsList.replaceChildren();
  const terms = run.term ? queryTerms(run.term) : [];
  const persons = run.registerSearch.then(() => Promise.all(run.register.slice(0, PERSONS).map((r) => r.data())));
  const [people] = await Promise.all([persons, showMore(run, false, false)]);
  if (run !== current) return;
  registerList.replaceChildren(...people.map((d) => renderPerson(d, terms)));
  registerBox.hidden = !people.length;
  finish(run);
  if (run !== current) return;
  box.dataset.shown = run.key;
}

/* "Count them all": every segment that may hold hits is searched. */
async function countEverything() {
  const run = current;
  if (!run) return;
  countAll.disabled = true;
  await run.fill(Infinity, true);
  countAll.disabled = false;
  if (run !== current) return;
  const left = run.filtered().length - run.shown;
  moreButton.hidden = left <= 0;
  moreButton.textContent = `Show more letters (${plural(left, "more", "more")})`;
  finish(run);
}

let timer = null;
function soon() {
  clearTimeout(timer);
  timer = setTimeout(() => update().catch(fail), 250);
}

function fail(error) {
  console.error(error);
  status.textContent = "The search failed in this browser. The list of letters is always available.";
}

async function main() {
  try {
    await start();
  } catch (error) {
    console.error(error);
    box.querySelector(".search-unavailable").hidden = false;
    return;
  }
  buildFacets();
  const state = readState();
  input.value = state.term;
  sortSelect.value = state.sort;
  for (const [group] of FACETS) {
    for (const value of state.filters[group]) {
      const f = facetInputs.get(group) && facetInputs.get(group).get(value);
      if (f) f.input.checked = true;
    }
  }
  // on a phone the filters fold away behind their heading, so that the results come first
  if (NARROW.matches) facetsPanel.open = false;
  form.hidden = false;
  layout.hidden = false;
  form.addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(timer); update().catch(fail); });
  input.addEventListener("input", soon);
  sortSelect.addEventListener("change", () => update().catch(fail));
  facetsBox.addEventListener("change", () => update().catch(fail));
  clearButton.addEventListener("click", () => {
    for (const inputs of facetInputs.values()) for (const f of inputs.values()) f.input.checked = false;
    update().catch(fail);
    input.focus();
  });
  moreButton.addEventListener("click", () => showMore(current, true).catch(fail));
  countAll.addEventListener("click", () => countEverything().catch(fail));
  await update();
  // Pagefind, the directory and the first segment are made ready while the reader types
  for (const bundle of [directory, segments[0], recent, register]) {
    if (bundle && (bundle.pages === undefined || bundle.pages)) instance(bundle).catch(() => {});
  }
}

main();
