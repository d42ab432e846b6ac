/* Epistola: note previews, sortable and filterable tables, and links that work from file://.
   Everything here is an enhancement: every page is complete without it. */
(function () {
  "use strict";

  /* Opened from disk, a folder link shows a directory listing: point links at index.html. */
  function fixFileLinks() {
    if (location.protocol !== "file:") return;
    document.querySelectorAll("a[href]").forEach(function (a) {
      var href = a.getAttribute("href");
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.charAt(0) === "#") return;
      var m = href.match(/^([^#?]*)([?#].*)?$/);
      var path = m[1], rest = m[2] || "";
      if (path === "" || path.slice(-1) === "/") a.setAttribute("href", (path || "./") + "index.html" + rest);
    });
  }

  /* --- note previews: hover or focus a note mark to read the note in place --- */

  var preview = null, owner = null, hideTimer = null;

  function noteFor(mark) {
    var id = decodeURIComponent(mark.getAttribute("href").slice(1));
    return document.getElementById(id);
  }

  function buildPreview(mark, note) {
    var box = document.createElement("div");
    box.className = "note-preview";
    box.id = "note-preview";
    box.setAttribute("role", "tooltip");
    var label = document.createElement("span");
    label.className = "note-preview-number";
    label.textContent = "Note " + mark.textContent;
    box.appendChild(label);
    var text = note.querySelector(".note-text");
    var clone = (text || note).cloneNode(true);
    /* a preview is a copy: no ids, no back-links, nothing to tab into */
    clone.removeAttribute("id");
    clone.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
    clone.querySelectorAll('[role="doc-backlink"], details').forEach(function (el) { el.remove(); });
    clone.querySelectorAll("a").forEach(function (a) { a.setAttribute("tabindex", "-1"); });
    box.appendChild(clone);
    box.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    box.addEventListener("mouseleave", scheduleHide);
    return box;
  }

  function place(box, mark) {
    var r = mark.getBoundingClientRect();
    var width = box.offsetWidth;
    var left = window.scrollX + r.left + r.width / 2 - width / 2;
    var maxLeft = window.scrollX + document.documentElement.clientWidth - width - 8;
    left = Math.max(window.scrollX + 8, Math.min(left, maxLeft));
    var top = window.scrollY + r.bottom + 6;
    if (r.bottom + box.offsetHeight + 12 > window.innerHeight && r.top > box.offsetHeight + 12) {
      top = window.scrollY + r.top - box.offsetHeight - 6;
    }
    box.style.left = left + "px";
    box.style.top = top + "px";
  }

  function show(mark) {
    clearTimeout(hideTimer);
    if (owner === mark) return;
    hide();
    var note = noteFor(mark);
    if (!note) return;
    preview = buildPreview(mark, note);
    document.body.appendChild(preview);
    place(preview, mark);
    owner = mark;
    mark.setAttribute("aria-describedby", preview.id);
  }

  function hide() {
    clearTimeout(hideTimer);
    if (preview) preview.remove();
    if (owner) owner.removeAttribute("aria-describedby");
    preview = null;
    owner = null;
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 250);
  }

  function setUpNotes() {
    document.querySelectorAll('a[role="doc-noteref"]').forEach(function (mark) {
      mark.addEventListener("mouseenter", function () { show(mark); });
      mark.addEventListener("mouseleave", scheduleHide);
      mark.addEventListener("focus", function () { show(mark); });
      mark.addEventListener("blur", scheduleHide);
      mark.addEventListener("click", hide);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && preview) {
        var mark = owner;
        hide();
        if (mark) mark.focus({ preventScroll: true });
        event.preventDefault();
      }
    });
    window.addEventListener("resize", function () { if (preview && owner) place(preview, owner); });
  }

  /* --- tables: sort by a column, filter rows by text --- */

  function naturalParts(text) {
    return text.toLowerCase().match(/\d+|\D+/g) || [];
  }

  function compareNatural(a, b) {
    var pa = naturalParts(a), pb = naturalParts(b);
    for (var i = 0; i < Math.min(pa.length, pb.length); i++) {
      var x = pa[i], y = pb[i];
      var nx = /^\d/.test(x), ny = /^\d/.test(y);
      if (nx && ny && +x !== +y) return +x - +y;
      if (x !== y) return x < y ? -1 : 1;
    }
    return pa.length - pb.length;
  }

  function cellKey(cell, kind) {
    if (kind === "number") {
      var n = parseFloat(cell.getAttribute("data-value"));
      return isNaN(n) ? Infinity : n;
    }
    if (kind === "date") return cell.getAttribute("data-value") || "9999";
    return cell.textContent.trim();
  }

  function sortTable(table, column, kind, direction) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, i) { row.dataset.order = row.dataset.order || String(i); });
    rows.sort(function (a, b) {
      var x = cellKey(a.cells[column], kind), y = cellKey(b.cells[column], kind);
      var c;
      if (kind === "number") c = x - y;
      else if (kind === "date") c = x < y ? -1 : x > y ? 1 : 0;
      else c = compareNatural(x, y);
      if (!c) c = +a.dataset.order - +b.dataset.order;
      return direction === "descending" ? -c : c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function setUpSorting(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, column) {
      var kind = th.getAttribute("data-sort");
      if (!kind) return;
      var button = document.createElement("button");
      button.type = "button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      if (column === 1) th.setAttribute("aria-sort", "ascending");
      button.addEventListener("click", function () {
        var direction = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", direction);
        sortTable(table, column, kind, direction);
      });
    });
  }

  function setUpFilter(form, table) {
    var input = form.querySelector("input");
    var output = form.querySelector("output");
    var fulltext = form.querySelector("[data-fulltext]");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    form.hidden = false;
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !match;
        if (match) shown++;
      });
      output.textContent = words.length ? shown + " of " + rows.length + " letters shown" : "";
      if (fulltext) {  /* the same words, looked for in the text of the letters */
        var url = new URL(fulltext.getAttribute("href"), location.href);
        if (input.value.trim()) url.searchParams.set("q", input.value.trim());
        else url.searchParams.delete("q");
        fulltext.href = url.href;
      }
    }
    input.addEventListener("input", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  }

  function setUpTables() {
    var tables = document.querySelectorAll("table.sortable");
    /* the headings are buttons only now: only now does the page say they sort */
    if (tables.length) document.querySelectorAll(".sort-hint").forEach(function (hint) { hint.hidden = false; });
    tables.forEach(function (table) {
      setUpSorting(table);
      var form = document.querySelector('.table-filter input[aria-controls="' + table.id + '"]');
      if (form) setUpFilter(form.form, table);
    });
  }

  /* On a phone the navigation scrolls sideways: bring the current page's link into view. */
  function showCurrentInNav() {
    var nav = document.querySelector(".site-nav ul"), current = nav && nav.querySelector("[aria-current]");
    if (!current || nav.scrollWidth <= nav.clientWidth) return;
    var search = nav.querySelector(".nav-search");
    var hidden = search && search !== current.parentNode ? search.offsetWidth : 0;
    var right = current.offsetLeft + current.offsetWidth - nav.offsetLeft;
    if (right > nav.clientWidth - hidden) nav.scrollLeft = right - (nav.clientWidth - hidden);
  }

  fixFileLinks();
  setUpNotes();
  setUpTables();
  showCurrentInNav();
})();

/* A letter with more than one text: on a phone, a switch shows one at a time (the notes
   follow it); without JavaScript both texts stand one after the other. */
(function () {
  var box = document.querySelector("[data-texts]");
  if (!box) return;
  var bar = box.querySelector(".text-switch");
  var buttons = bar.querySelectorAll("button");
  var parts = document.querySelectorAll("[data-texts] > [data-text], .texts-notes > [data-text]");
  function show(lang) {
    for (var i = 0; i < parts.length; i++) {
      parts[i].classList.toggle("text-other", parts[i].getAttribute("data-text") !== lang);
    }
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].setAttribute("aria-pressed", buttons[j].getAttribute("data-show") === lang ? "true" : "false");
    }
  }
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function () { show(this.getAttribute("data-show")); });
  }
  bar.hidden = false;
  show(buttons[0].getAttribute("data-show"));
})();

/* A copy button beside each citation (where the browser lets a page write to the clipboard). */
(function () {
  if (!navigator.clipboard || !window.isSecureContext) return;
  var citations = document.querySelectorAll(".cite-letter .citation, .prose .citation");
  for (var i = 0; i < citations.length; i++) {
    (function (citation) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-citation";
      button.textContent = "Copy the citation";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(citation.textContent.trim()).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy the citation"; }, 2000);
        });
      });
      citation.insertAdjacentElement("afterend", button);
    })(citations[i]);
  }
})();

