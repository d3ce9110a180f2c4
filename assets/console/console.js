// Sodan console: small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Select the whole invitation link on focus so it can be copied at once.
  const link = document.getElementById("invite-link");
  if (link) {
    link.addEventListener("focus", () => link.select());
  }
});
