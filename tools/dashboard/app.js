"use strict";
(function () {
  var r = JSON.parse(document.getElementById("memscope-report").textContent);
  document.getElementById("loading").textContent = r.total_allocations + " allocations";
  window.memscopeReady = true;
})();
