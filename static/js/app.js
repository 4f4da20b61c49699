// Starts GOV.UK Frontend's components (error summary focus, header menu, ...).
import { initAll } from "/static/dist/govuk-frontend.min.js";

initAll();
