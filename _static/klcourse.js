// Search results: Sphinx shows each hit with a snippet of the page's text, in which
// formulas are still TeX (\( ... \)). Typeset them with the book's MathJax, and cut a
// formula that the snippet's ends split in two (it cannot be typeset) to an ellipsis.
(function () {
  "use strict";

  function insideFormula(p, node) {
    // Is `node` (a highlight span) between a \( and its \)?
    const range = document.createRange();
    range.setStart(p, 0);
    range.setEndBefore(node);
    const before = range.toString();
    return before.split("\\(").length > before.split("\\)").length;
  }

  function tidy(p) {
    let text = p.textContent;
    if (text.indexOf("\\(") === -1 && text.indexOf("\\)") === -1) return;
    const open = text.lastIndexOf("\\(");
    const close = text.indexOf("\\)");
    const first = text.indexOf("\\(");
    const cutEnd = open > text.lastIndexOf("\\)");
    const cutStart = close !== -1 && (first === -1 || close < first);
    const split = [...p.querySelectorAll("span")].some((s) => insideFormula(p, s));
    if (cutEnd || cutStart || split) {
      // plain text again (highlights inside a formula would stop MathJax)
      if (cutEnd) text = text.slice(0, open) + "…";
      if (cutStart) text = "…" + text.slice(text.indexOf("\\)") + 2);
      p.textContent = text;
    }
    p.classList.add("mathjax_process");
    if (window.MathJax && MathJax.typesetPromise) MathJax.typesetPromise([p]).catch(() => {});
  }

  document.addEventListener("DOMContentLoaded", function () {
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
