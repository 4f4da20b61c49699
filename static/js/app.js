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

// A build's progress page (templates/progress_reports/run.html) updates itself while the build goes on: it asks
// for the figures every few seconds and writes them into the page (the status line is a live region, so a screen
// reader hears the change). When the build's status changes the page is loaded again, to show the outcome.
// Without JavaScript the page reloads itself instead (a <noscript> refresh).
const runProgress = document.querySelector("[data-run-progress]");
if (runProgress && ["queued", "running"].includes(runProgress.dataset.status)) {
  const numbers = new Intl.NumberFormat("en-GB");
  const show = (name, value) => {
    const element = runProgress.querySelector(`[data-field="${name}"]`);
    if (element && element.textContent !== value) {
      element.textContent = value;
    }
  };
  const poll = async () => {
    try {
      const response = await fetch(runProgress.dataset.url, { headers: { Accept: "application/json" } });
      if (!response.ok) {
        return;
      }
      const figures = await response.json();
      if (figures.status !== runProgress.dataset.status) {
        window.location.reload();
        return;
      }
      show("text", figures.text);
      if (figures.total) {
        show("total", numbers.format(figures.total));
      }
      ["built", "skipped", "failed"].forEach((name) => show(name, numbers.format(figures[name])));
      const bar = runProgress.querySelector("progress");
      bar.value = figures.percent;
      bar.textContent = `${figures.percent}%`;
    } catch {
      // the network dropped a request: the next one tries again
    }
  };
  window.setInterval(poll, 3000);
}
