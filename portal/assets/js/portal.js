// Starts GOV.UK Frontend's components on every page. A file of its own, not an inline
// script, so the Content-Security-Policy need not allow inline scripts.
import { initAll } from "./govuk-frontend.min.js";

// GOV.UK Frontend's conditional reveal marks each radio aria-expanded, an attribute ARIA
// does not allow on a radio (axe-core's aria-allowed-attr; govuk-frontend issue 979). The
// box it reveals follows its radio, so the attribute is taken off whenever it is put on:
// the reveal itself is GOV.UK Frontend's, unchanged.
new MutationObserver((changes) => {
  for (const { target } of changes) {
    if (target.type === "radio" && target.hasAttribute("aria-expanded")) {
      target.removeAttribute("aria-expanded");
    }
  }
}).observe(document.body, { attributes: true, attributeFilter: ["aria-expanded"], subtree: true });

initAll();
