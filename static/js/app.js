// Starts GOV.UK Frontend's components (error summary focus, header menu, ...).
import { initAll } from "/static/dist/govuk-frontend.min.js";

initAll();

// A form without an action posts to the current address, fragment included; after the skip
// link that is #main-content, and the browser would then move focus away from the error
// summary GOV.UK Frontend focuses. Post to the path instead.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    if (location.hash && form instanceof HTMLFormElement && !form.hasAttribute("action")) {
      form.setAttribute("action", location.pathname + location.search);
    }
  },
  true,
);
