/* Epistola: on a letter opened from the search page, mark the words the search found.
   The search page puts them in ?highlight= (once per word); Pagefind's highlighter marks them
   in the letter text and notes, and leaves alone what the index leaves out. */
const words = new URLSearchParams(location.search).getAll("highlight").filter(Boolean);
if (words.length) {
  import(new URL("../pagefind/pagefind-highlight.js", import.meta.url).href)
    .then(() => {
      new window.PagefindHighlight({ highlightParam: "highlight" });
      const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (target) target.scrollIntoView({ block: "start" });
    })
    .catch((error) => console.error("highlighting the search words failed:", error));
}
