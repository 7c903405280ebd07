// Builds the front-end assets into portal/static: the council-branded stylesheet compiled
// from GOV.UK Frontend's Sass, GOV.UK Frontend's JavaScript and the portal's own script
// that starts it. Images and fonts that carry the crown or GDS Transport are deliberately
// not copied.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "portal", "static");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

mkdirSync(join(out, "css"), { recursive: true });
mkdirSync(join(out, "js"), { recursive: true });

const result = sass.compile(join(root, "portal", "assets", "scss", "portal.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
});
writeFileSync(join(out, "css", "portal.css"), result.css);

for (const file of ["govuk-frontend.min.js", "govuk-frontend.min.js.map"]) {
  cpSync(join(govuk, file), join(out, "js", file));
}
cpSync(join(root, "portal", "assets", "js"), join(out, "js"), { recursive: true });
cpSync(join(root, "portal", "assets", "images"), join(out, "images"), { recursive: true });
console.log("assets built into portal/static");
