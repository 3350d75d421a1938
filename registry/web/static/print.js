// The print button of the confirmation's printable page (no inline script: CSP).
document.querySelectorAll("[data-print]").forEach((button) =>
  button.addEventListener("click", () => window.print()),
);
