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

// Wide tables scroll inside their own region (templates/_macros/tables.html). Say so, and let the keyboard
// focus the region to scroll it, only while the table is wider than the region: on a desktop most fit.
function markTableScroll(wrapper) {
  const region = wrapper.querySelector(".va-table-scroll__region");
  const overflows = region.scrollWidth > region.clientWidth; // as axe-core judges a scrollable region
  wrapper.classList.toggle("va-table-scroll--overflows", overflows);
  if (overflows) {
    region.setAttribute("tabindex", "0");
  } else {
    region.removeAttribute("tabindex");
  }
}

const tableScrolls = document.querySelectorAll(".va-table-scroll");
tableScrolls.forEach(markTableScroll);
if ("ResizeObserver" in window) {
  const observer = new ResizeObserver((entries) => {
    entries.forEach((entry) => markTableScroll(entry.target.closest(".va-table-scroll")));
  });
  tableScrolls.forEach((wrapper) => {
    const region = wrapper.querySelector(".va-table-scroll__region");
    observer.observe(region); // the screen or the page changes width ...
    if (region.firstElementChild) {
      observer.observe(region.firstElementChild); // ... or the table does
    }
  });
}
