/* Filter the timeline by words, tag and year. Everything is in the page already: with
   JavaScript off the controls stay hidden and every event is shown. Reads text only
   (textContent), never writes HTML. */
(function () {
  "use strict";
  var box = document.getElementById("filters");
  if (!box) { return; }
  var text = document.getElementById("f-text");
  var tag = document.getElementById("f-tag");
  var year = document.getElementById("f-year");
  var status = document.getElementById("f-status");
  var rows = null;
  var sections = [];
  var queued = false;

  function fold(s) {
    s = s.toLowerCase();
    return /[^\x00-\x7f]/.test(s) ? s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "") : s;
  }

  function section(el) {
    if (el.__rows === undefined) { el.__rows = 0; sections.push(el); }
    return el;
  }

  function index() {
    var items = document.querySelectorAll("li.ev");
    rows = new Array(items.length);
    for (var i = 0; i < items.length; i++) {
      var li = items[i];
      var tags = [];
      var tagItems = li.querySelectorAll(".tags li");
      for (var j = 0; j < tagItems.length; j++) { tags.push(tagItems[j].textContent); }
      var yearEl = li.closest("section.year");
      var monthEl = li.closest("section.month");
      rows[i] = {
        el: li, text: fold(li.textContent), tags: tags, shown: true,
        year: yearEl ? yearEl.getAttribute("data-year") : "",
        holders: [yearEl && section(yearEl), monthEl && section(monthEl)].filter(Boolean)
      };
    }
  }

  function apply() {
    queued = false;
    if (!rows) { index(); }
    var words = fold(text.value).split(/\s+/).filter(Boolean);
    var wantTag = tag.value;
    var wantYear = year.value;
    var shown = 0;
    var i, k;
    for (i = 0; i < sections.length; i++) { sections[i].__rows = 0; }
    for (i = 0; i < rows.length; i++) {
      var row = rows[i];
      var ok = (!wantYear || row.year === wantYear) && (!wantTag || row.tags.indexOf(wantTag) >= 0);
      for (k = 0; ok && k < words.length; k++) { ok = row.text.indexOf(words[k]) >= 0; }
      if (ok !== row.shown) { row.el.hidden = !ok; row.shown = ok; }
      if (ok) {
        shown++;
        for (k = 0; k < row.holders.length; k++) { row.holders[k].__rows++; }
      }
    }
    for (i = 0; i < sections.length; i++) {
      var empty = sections[i].__rows === 0;
      if (sections[i].hidden !== empty) { sections[i].hidden = empty; }
    }
    status.textContent = shown === rows.length
      ? "Showing all " + rows.length + " events."
      : "Showing " + shown + " of " + rows.length + " events.";
  }

  function queue() {
    if (!queued) { queued = true; window.requestAnimationFrame(apply); }
  }

  // Let the browser skip whole years far from view (style and layout), which keeps a
  // keystroke quick on 10,000 events. Each year is given the height its events are
  // assumed to take anyway (style.css: 11rem an event), so the scrollbar stays honest;
  // a link to one event is then scrolled to again once its year is laid out.
  var years = document.querySelectorAll("section.year");
  for (var y = 0; y < years.length; y++) {
    var guess = 4.5 + 2.9 * years[y].querySelectorAll("section.month").length +
      11 * years[y].getElementsByClassName("ev").length;
    years[y].style.containIntrinsicSize = "auto " + guess + "rem";
    years[y].style.contentVisibility = "auto";
  }
  function reveal() {
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* not percent-encoded: use as is */ }
    var target = id && document.getElementById(id);
    if (target) { target.scrollIntoView(); }
  }
  window.addEventListener("hashchange", reveal);
  if (location.hash) { reveal(); window.addEventListener("load", reveal); }

  text.addEventListener("input", queue);
  tag.addEventListener("change", queue);
  year.addEventListener("change", queue);
  document.getElementById("f-clear").addEventListener("click", function () {
    text.value = ""; tag.value = ""; year.value = "";
    apply();
    text.focus();
  });
  window.addEventListener("beforeprint", function () {
    var all = document.querySelectorAll("details.hist");
    for (var i = 0; i < all.length; i++) { all[i].open = true; }
  });
  // Index while the reader is still looking, so the first keystroke is as quick as the rest.
  var early = function () { if (!rows) { index(); } };
  if (window.requestIdleCallback) { window.requestIdleCallback(early); } else { window.setTimeout(early, 0); }
  box.hidden = false;
  status.textContent = "Showing all " + document.querySelectorAll("li.ev").length + " events.";
}());
