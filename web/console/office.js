// The back-office pages and who may open them; app.js routes to them by the hash's first part.

import * as bulk from "./bulk.js";
import * as exportsPage from "./exports.js";
import * as onSite from "./onsite.js";
import * as search from "./search.js";

export const PAGES = {
  search: { roles: ["examiner", "admin", "operator"], render: (ctx, root, rest, query) => search.render(ctx, root, query) },
  "office-case": { roles: ["examiner", "admin", "operator"], render: (ctx, root, rest) => search.renderCase(ctx, root, decodeURIComponent(rest.join("/"))) },
  bulk: { roles: ["examiner", "admin"], render: (ctx, root, rest, query) => bulk.render(ctx, root, query) },
  "face-on-site": { roles: ["examiner", "admin"], render: (ctx, root) => onSite.render(ctx, root) },
  exports: { roles: ["admin", "operator"], render: (ctx, root) => exportsPage.render(ctx, root) },
};
