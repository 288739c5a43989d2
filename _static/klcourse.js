// Search results: Sphinx shows each hit with a snippet of the page's text, in which
// formulas are still TeX (\( ... \) and \[ ... \]). Typeset them with the book's MathJax, and cut a
// formula that the snippet's ends split in two (it cannot be typeset) to an ellipsis.
(function () {
  "use strict";

  // Delimiters of inline \( \) and display \[ \] maths, in the order they appear.
  function delimiters(text) {
    return [...text.matchAll(/\\[()[\]]/g)].map((m) => ({
      at: m.index,
      open: m[0] === "\\(" || m[0] === "\\[",
    }));
  }

  function insideFormula(p, node) {
    // Is `node` (a highlight span) between an opening delimiter and its closer?
    const range = document.createRange();
    range.setStart(p, 0);
    range.setEndBefore(node);
    let depth = 0;
    for (const d of delimiters(range.toString())) depth += d.open ? 1 : -1;
    return depth > 0;
  }

  function tidy(p) {
    let text = p.textContent;
    const marks = delimiters(text);
    if (marks.length === 0) return;
    const split = [...p.querySelectorAll("span")].some((s) => insideFormula(p, s));
    // a closer before any opener: the snippet starts inside a formula
    const firstOpen = marks.findIndex((d) => d.open);
    const cutStart = marks.findIndex((d) => !d.open) !== -1 &&
      (firstOpen === -1 || marks.findIndex((d) => !d.open) < firstOpen);
    // an opener after the last closer: the snippet ends inside a formula
    const last = marks[marks.length - 1];
    const cutEnd = last.open;
    if (cutStart || cutEnd || split || text.includes("\\[")) {
      // plain text again (highlights inside a formula would stop MathJax)
      if (cutEnd) text = text.slice(0, last.at) + "…";
      if (cutStart) {
        const close = marks.find((d) => !d.open);
        text = "…" + text.slice(close.at + 2);
      }
      // display maths shown inline: a snippet is one paragraph
      p.textContent = text.replaceAll("\\[", "\\(").replaceAll("\\]", "\\)");
    }
    p.classList.add("mathjax_process");
    if (window.MathJax && MathJax.typesetPromise) MathJax.typesetPromise([p]).catch(() => {});
  }

  // The snippet comes from the page's main area, which also holds the theme's printed
  // table of contents of the page: leave that out, or snippets read "Contents ...".
  function withoutPrintToc() {
    // searchtools.js declares `const Search`: a global name, not a property of window
    if (typeof Search === "undefined" || !Search.htmlToText || Search.htmlToText.klcourse) return;
    const original = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll("#jb-print-docs-body").forEach((e) => e.remove());
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.htmlToText.klcourse = true;
  }
  withoutPrintToc();

  document.addEventListener("DOMContentLoaded", function () {
    withoutPrintToc();
    const results = document.getElementById("search-results");
    if (!results) return;
    new MutationObserver(function (mutations) {
      for (const m of mutations) {
        for (const node of m.addedNodes) {
          if (node.nodeType !== 1) continue;
          const snippets = node.matches("p.context") ? [node] : node.querySelectorAll("p.context");
          snippets.forEach(tidy);
        }
      }
    }).observe(results, { childList: true, subtree: true });
  });
})();
