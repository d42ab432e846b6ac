/* Epistola search page, over the Pagefind bundles the build writes into pagefind/.

   pagefind/bundles.json lists the bundles: one per year of letters, one for the register. They
   are merged into one Pagefind search, each tagged with a "bundle" filter of its own, so that
   this script can
   - keep a bundle out of a search when its index does not know the word at all (Pagefind then
     falls back to the longest known prefix of the word, "arvid" -> "a", which would fill the
     results with pages that merely contain the letter A);
   - list the letters in true date order: Pagefind re-sorts merged results by score, so the
     letters of each year are fetched in order from their own bundle and joined year by year;
   - count each filter value the usual way: within a group any ticked value will do (the count
     of a value ignores the group's own ticks), across groups all must hold.
   A hit links to the paragraph (#pN) or note (#note-N) it was found in, with the words that
   matched in ?highlight=, which assets/highlight.js marks on the letter page. */

const FACETS = [
  ["sender", "Sender"],
  ["recipient", "Recipient"],
  ["year", "Year"],
  ["place", "Place"],
  ["fond", "Archive fond"],
  ["kind", "Kind of document"],
];
const PAGE = 20; // letters shown at a time
const PASSAGES = 3; // passages shown for each letter
const VISIBLE_VALUES = 8; // values of a filter group shown before "Show all"
const WINDOW = 30; // words in an excerpt

const box = document.getElementById("search");
const siteRoot = new URL(box.dataset.root || "./", location.href);
const bundleRoot = new URL(box.dataset.bundles, location.href);
const form = box.querySelector(".search-form");
const input = box.querySelector("#search-input");
const sortSelect = box.querySelector("#search-sort");
const layout = box.querySelector(".search-layout");
const facetsBox = box.querySelector("#search-facets");
const facetsPanel = box.querySelector(".search-facets-panel");
const facetsChosen = box.querySelector(".search-facets-chosen");
const NARROW = window.matchMedia("(max-width: 50rem)"); // one column: the filters above the results
const clearButton = box.querySelector(".search-clear");
const status = box.querySelector("#search-status");
const hitsList = box.querySelector(".search-hits");
const moreButton = box.querySelector(".search-more");
const registerBox = box.querySelector(".search-register");
const registerList = box.querySelector(".search-register-list");

let pagefind = null;
let bundles = [];
const facetInputs = new Map(); // group -> Map(value -> {input, count})
const genuineCache = new Map(); // term -> Promise<bundle names whose index knows every word>
let current = null; // the search on screen: {key, term, filters, sort, total, order, shown}
let generation = 0;

/* --- text ------------------------------------------------------------------------------- */

/* Words as Pagefind compares them: lower case, no diacritics, no punctuation. */
function normalise(word) {
  return word.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase()
    .replace(/[\p{P}\p{S}]/gu, "");
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

/* Is `word` (a word of a hit) a real match for `term`? A match starts with the stem of the term.
   Where an index lacks the term, Pagefind matches the words that start with the longest part of
   it the index knows ("plen" of "plenipotentiary" finds "plenum"): those share less of the term
   than its stem, which is at least `stemFloor` letters long, less one for a changed last letter
   ("parti" of "parties" in "party"). */
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

/* --- Pagefind ------------------------------------------------------------------------------ */

async function start() {
  const response = await fetch(new URL("bundles.json", bundleRoot));
  if (!response.ok) throw new Error(`bundles.json: HTTP ${response.status}`);
  const manifest = await response.json();
  bundles = manifest.bundles;
  if (!bundles.length) throw new Error("no search bundles");
  pagefind = await import(new URL("pagefind.js", bundleRoot).href);
  const [first, ...rest] = bundles;
  await pagefind.options({
    basePath: new URL(first.path, bundleRoot).href,
    mergeFilter: { bundle: first.name },
    excerptLength: WINDOW,
  });
  for (const b of rest) {
    await pagefind.mergeIndex(new URL(b.path, bundleRoot).href, { mergeFilter: { bundle: b.name } });
  }
  await pagefind.init();
}

function letterBundles() {
  return bundles.filter((b) => b.kind === "letters").map((b) => b.name);
}

function pagefindFilters(filters, except = null) {
  const out = {};
  for (const [group] of FACETS) {
    if (group !== except && filters[group].size) out[group] = { any: [...filters[group]] };
  }
  return out;
}

/* Words of a hit: those at its locations in the text, and those of the metadata it matched. */
function hitWords(result, data) {
  const text = words(data.content);
  const found = data.locations.map((l) => normalise(text[l] || ""));
  for (const field of result.matchedMetaFields || []) {
    for (const w of words(String(data.meta[field] || ""))) found.push(normalise(w));
  }
  return found;
}

/* The bundles whose index holds every word of the term (see the note at the top). */
function genuineBundles(term) {
  if (!genuineCache.has(term)) {
    genuineCache.set(term, (async () => {
      const terms = queryTerms(term);
      const all = await pagefind.search(term);
      const counts = (all && all.filters && all.filters.bundle) || {};
      const names = bundles.map((b) => b.name).filter((name) => counts[name] > 0);
      const verdicts = await Promise.all(names.map(async (name) => {
        const one = await pagefind.search(term, { filters: { bundle: name } });
        if (!one.results.length) return false;
        const result = one.results[0];
        const found = hitWords(result, await result.data());
        return terms.every((t) => found.some((w) => matches(w, t)));
      }));
      return names.filter((_, i) => verdicts[i]);
    })());
  }
  return genuineCache.get(term);
}

/* --- searching ----------------------------------------------------------------------------- */

async function search(state) {
  const mine = ++generation;
  const term = state.term || null;
  const letters = letterBundles();
  const allowed = term ? await genuineBundles(term) : bundles.map((b) => b.name);
  const letterScope = letters.filter((name) => allowed.includes(name));
  const base = pagefindFilters(state.filters);
  const options = { filters: { ...base, bundle: { any: letterScope } } };
  if (state.sort === "date") options.sort = { date: "asc" };
  const main = letterScope.length ? await pagefind.search(term, options) : null;
  const total = main ? main.results.length : 0;

  // counts: a group's own ticks are left out of the count of its values
  const counts = {};
  for (const [group] of FACETS) {
    if (!letterScope.length) { counts[group] = {}; continue; }
    if (state.filters[group].size) {
      const other = await pagefind.search(term, {
        filters: { ...pagefindFilters(state.filters, group), bundle: { any: letterScope } },
      });
      counts[group] = other.filters[group] || {};
    } else {
      counts[group] = main.filters[group] || {};
    }
  }

  let register = [];
  const filtering = FACETS.some(([group]) => state.filters[group].size);
  const registerScope = bundles.filter((b) => b.kind === "register" && allowed.includes(b.name)).map((b) => b.name);
  if (term && !filtering && registerScope.length) {
    const found = await pagefind.search(term, { filters: { bundle: { any: registerScope } } });
    register = found.results;
  }
  if (mine !== generation) return null; // a newer search has started
  return {
    key: JSON.stringify([state.term, state.sort, pagefindFilters(state.filters)]),
    term, state, total, counts, register, main,
    perBundle: main ? (main.filters.bundle || {}) : {},
    letterScope, shown: 0, fetched: [],
  };
}

/* Results [from, to) in the chosen order. */
async function take(run, from, to) {
  if (run.state.sort !== "date") return run.main.results.slice(from, to);
  // date order: bundles are in year order and each returns its letters in date order
  while (run.fetched.length < to) {
    const done = new Set(run.fetched.map((r) => r.bundle));
    const next = run.letterScope.find((name) => !done.has(name) && (run.perBundle[name] || 0) > 0);
    if (!next) break;
    const part = await pagefind.search(run.term, {
      filters: { ...pagefindFilters(run.state.filters), bundle: next },
      sort: { date: "asc" },
    });
    for (const r of part.results) run.fetched.push({ bundle: next, result: r });
    if (!part.results.length) run.fetched.push({ bundle: next, result: null });
  }
  return run.fetched.filter((r) => r.result).slice(from, to).map((r) => r.result);
}

/* --- passages ------------------------------------------------------------------------------ */

const PASSAGE_ID = /^(p(\d+)|note-(\d+))$/;

function pageUrl(url) {
  return new URL(url.replace(/^\//, ""), siteRoot);
}

function highlightParams(url, marked) {
  for (const w of marked) url.searchParams.append("highlight", w);
  return url;
}

/* The passages of a letter that hold hits: each paragraph or note, with its words. */
function passages(data, terms) {
  const text = words(data.content);
  const anchors = data.anchors.filter((a) => PASSAGE_ID.test(a.id)).sort((a, b) => a.location - b.location);
  const groups = new Map();
  for (const loc of [...data.locations].sort((a, b) => a - b)) {
    if (!terms.some((t) => matches(normalise(text[loc] || ""), t))) continue;
    let anchor = null;
    for (const a of anchors) if (a.location <= loc) anchor = a;
    const key = anchor ? anchor.id : "";
    if (!groups.has(key)) {
      const next = anchors[anchor ? anchors.indexOf(anchor) + 1 : 0];
      groups.set(key, { anchor, start: anchor ? anchor.location : 0, end: next ? next.location : text.length, hits: [] });
    }
    groups.get(key).hits.push(loc);
  }
  return [...groups.values()];
}

function passageLabel(anchor) {
  if (!anchor) return "Heading and description";
  const m = PASSAGE_ID.exec(anchor.id);
  return m[2] ? `Paragraph ${m[2]}` : `Note ${m[3]}`;
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
  const place = data.filters && data.filters.place;
  if (place && place.length) parts.push(place.join(", "));
  const kind = data.filters && data.filters.kind;
  if (kind && kind.length && kind[0] !== "letter") parts.push(kind[0]);
  return parts.join(" · ");
}

function titleOf(data) {
  const number = data.meta.number;
  let title = data.meta.title || data.url;
  if (number && title.startsWith(`No. ${number} `)) title = title.slice(`No. ${number} `.length);
  return number ? `No. ${number} · ${title}` : title;
}

function namesMatched(data, terms) {
  const names = String(data.meta.names || "").split(/,\s+/).filter(Boolean);
  return names.filter((name) => words(name).some((w) => terms.some((t) => matches(normalise(w), t))));
}

function renderHit(data, terms) {
  const text = words(data.content);
  const url = pageUrl(data.url);
  const found = terms.length ? passages(data, terms) : [];
  const marked = new Set();
  for (const p of found) for (const loc of p.hits) marked.add((text[loc] || "").replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ""));
  const heading = el("h3", {}, el("a", { href: highlightParams(new URL(url), marked).href, text: titleOf(data) }));
  const item = el("li", { class: "hit" }, heading);
  const meta = metaLine(data);
  if (meta) item.append(el("p", { class: "hit-meta", text: meta }));
  if (found.length) {
    const list = el("ul", { class: "hit-passages" });
    for (const p of found.slice(0, PASSAGES)) {
      const link = highlightParams(new URL(url), new Set(p.hits.map((l) => (text[l] || "").replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ""))));
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
  const item = el("li", {}, el("a", { href: pageUrl(data.url).href, text: data.meta.title || data.url }));
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

/* --- the page ------------------------------------------------------------------------------ */

function buildFacets(totals) {
  facetsBox.replaceChildren();
  for (const [group, label] of FACETS) {
    const values = Object.keys(totals[group] || {});
    if (!values.length) continue;
    if (group === "year") values.sort();
    else values.sort((a, b) => (totals[group][b] - totals[group][a]) || a.localeCompare(b, "en"));
    const fieldset = el("fieldset", { class: "facet" }, el("legend", { text: label }));
    const list = el("ul", { class: "facet-values", id: `facet-${group}` });
    const inputs = new Map();
    values.forEach((value, i) => {
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
    if (values.length > VISIBLE_VALUES) {
      const toggle = el("button", { type: "button", class: "facet-toggle", "aria-expanded": "false", "aria-controls": list.id, text: `Show all ${values.length}` });
      toggle.addEventListener("click", () => {
        const open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", String(open));
        toggle.textContent = open ? `Show the first ${VISIBLE_VALUES}` : `Show all ${values.length}`;
        [...inputs.values()].forEach((f, i) => { f.item.hidden = !open && i >= VISIBLE_VALUES && !f.input.checked; });
      });
      fieldset.append(toggle);
    }
    facetInputs.set(group, inputs);
    facetsBox.append(fieldset);
  }
}

function showCounts(run) {
  for (const [group, inputs] of facetInputs) {
    const counts = run.counts[group] || {};
    for (const [value, f] of inputs) {
      const n = counts[value] || 0;
      f.count.textContent = `(${n})`;
      f.item.classList.toggle("facet-empty", n === 0 && !f.input.checked);
      if (f.input.checked) f.item.hidden = false;
    }
  }
  const chosen = FACETS.reduce((n, [group]) => n + run.state.filters[group].size, 0);
  clearButton.hidden = !chosen;
  facetsChosen.textContent = chosen ? `(${chosen} chosen)` : "";
}

function describe(run) {
  const order = run.state.sort === "date" ? "in date order" : "by relevance";
  const what = run.term ? ` for “${run.term}”` : "";
  const filtered = FACETS.some(([group]) => run.state.filters[group].size) ? " with the chosen filters" : "";
  let text = `${plural(run.total, "letter", "letters")} found${what}${filtered}`;
  if (run.total) text += `, ${order}`;
  if (run.register.length) text += `; ${plural(run.register.length, "person", "persons")} in the register`;
  return text + ".";
}

async function showMore(run, focusFirst) {
  const from = run.shown;
  const results = await take(run, from, from + PAGE);
  const datas = await Promise.all(results.map((r) => r.data()));
  if (run !== current) return;
  const terms = run.term ? queryTerms(run.term) : [];
  const items = datas.map((d) => renderHit(d, terms));
  hitsList.append(...items);
  run.shown = from + items.length;
  moreButton.hidden = run.shown >= run.total;
  moreButton.textContent = `Show more letters (${plural(run.total - run.shown, "more", "more")})`;
  if (focusFirst && items.length) {
    const link = items[0].querySelector("a");
    link.focus();
  }
}

async function update() {
  const state = formState();
  writeState(state);
  const run = await search(state);
  if (!run) return;
  if (current && current.key === run.key) return;
  current = run;
  hitsList.replaceChildren();
  showCounts(run);
  const terms = run.term ? queryTerms(run.term) : [];
  const people = await Promise.all(run.register.slice(0, 10).map((r) => r.data()));
  if (run !== current) return;
  registerList.replaceChildren(...people.map((d) => renderPerson(d, terms)));
  registerBox.hidden = !people.length;
  await showMore(run, false);
  if (run !== current) return;
  status.textContent = describe(run);
  box.dataset.shown = run.key;
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
  const totals = await pagefind.filters();
  buildFacets(totals);
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
  await update();
}

main();
