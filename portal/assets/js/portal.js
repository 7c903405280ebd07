// Starts GOV.UK Frontend's components on every page. A file of its own, not an inline
// script, so the Content-Security-Policy need not allow inline scripts.
import { initAll } from "./govuk-frontend.min.js";

initAll();
