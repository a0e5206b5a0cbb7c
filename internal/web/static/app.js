// Quarry dashboard: the little the pages need a script for. Everything
// works from the server's own endpoints; nothing is fetched from elsewhere.
(function () {
  'use strict';

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : '';
  }

  async function getJSON(url) {
    var res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!res.ok) throw new Error(res.status + ' ' + res.statusText);
    return res.json();
  }

  // Jobs list: rows of unfinished jobs update on their own.
  function liveRows() {
    var table = document.querySelector('table[data-poll]');
    if (!table) return;
    async function tick() {
      var rows = table.querySelectorAll('tr[data-live]');
      if (!rows.length) return;
      var q = new URLSearchParams();
      rows.forEach(function (r) { q.append('id', r.dataset.job); });
      try {
        var body = await getJSON(table.dataset.poll + '?' + q);
        body.jobs.forEach(function (j) {
          var row = table.querySelector('tr[data-job="' + CSS.escape(j.id) + '"]');
          if (!row) return;
          var st = row.querySelector('[data-field="status"]');
          st.textContent = j.status;
          st.className = j.status_class;
          var up = row.querySelector('[data-field="updated"]');
          if (up) up.textContent = j.updated_at;
          if (j.terminal) row.removeAttribute('data-live');
        });
      } catch (e) {
        return; // signed out or offline: stop; a reload starts again
      }
      setTimeout(tick, 2000);
    }
    setTimeout(tick, 1000);
  }

  // Job page of an unfinished job: reload once it finishes.
  function liveJob() {
    var el = document.querySelector('[data-live-job]');
    if (!el) return;
    async function tick() {
      try {
        var body = await getJSON('/ui/jobs/status?id=' + encodeURIComponent(el.dataset.liveJob));
        var j = body.jobs[0];
        if (j) {
          var st = document.getElementById('job-status');
          st.textContent = j.status;
          st.className = j.status_class;
          if (j.terminal) { location.reload(); return; }
        }
      } catch (e) {
        return;
      }
      setTimeout(tick, 1500);
    }
    setTimeout(tick, 1000);
  }

  // Job page: a value's citation shown on its page.
  function viewer() {
    var v = document.getElementById('viewer');
    if (!v) return;
    var frame = document.getElementById('page-frame');
    var img = document.getElementById('page-image');
    var words = document.getElementById('page-words');
    var caption = document.getElementById('viewer-caption');
    var mode = v.dataset.mode, dpi = Number(v.dataset.dpi), base = v.dataset.base;
    var shown = 0, size = null, wordBoxes = [];

    function clear() {
      frame.querySelectorAll('.highlight').forEach(function (h) { h.remove(); });
    }

    function loadImage(page) {
      return new Promise(function (resolve, reject) {
        img.onload = function () {
          // The image is drawn at dpi; boxes are in points (1/72 inch).
          size = { w: img.naturalWidth * 72 / dpi, h: img.naturalHeight * 72 / dpi };
          resolve();
        };
        img.onerror = function () { reject(new Error('the page could not be drawn')); };
        img.alt = 'Page ' + page + ' of the document';
        img.hidden = false;
        words.hidden = true;
        img.src = base + page + '/image';
      });
    }

    async function loadWords(page) {
      var p = await getJSON(base + page + '/words');
      size = { w: p.width, h: p.height };
      words.replaceChildren();
      words.style.aspectRatio = p.width + ' / ' + p.height;
      wordBoxes = p.words.map(function (w) {
        var s = document.createElement('span');
        s.textContent = w.text;
        place(s, w);
        words.appendChild(s);
        return { el: s, h: w.h };
      });
      words.setAttribute('role', 'img');
      words.setAttribute('aria-label', 'Page ' + page + ' of the document, drawn from its text');
      words.hidden = false;
      img.hidden = true;
      fit();
    }

    // Text is sized to its boxes, which scale with the frame.
    function fit() {
      if (words.hidden || !size) return;
      var scale = words.clientHeight / size.h;
      wordBoxes.forEach(function (b) { b.el.style.fontSize = (b.h * scale * 0.85) + 'px'; });
    }
    window.addEventListener('resize', fit);

    // place positions el at box b as fractions of a page of size s (by
    // default the page drawn), so it scales with the frame.
    function place(el, b, s) {
      s = s || size;
      el.style.left = (b.x / s.w * 100) + '%';
      el.style.top = (b.y / s.h * 100) + '%';
      el.style.width = (b.w / s.w * 100) + '%';
      el.style.height = (b.h / s.h * 100) + '%';
    }

    async function show(cites, path) {
      var c = cites.find(function (c) { return c.page > 0 && c.bounding_boxes && c.bounding_boxes.length; });
      if (!c) return;
      v.hidden = false;
      document.getElementById('viewer-page').textContent = c.page;
      caption.textContent = path + ': “' + (c.matching_text || '') + '” on page ' + c.page;
      clear();
      try {
        if (shown !== c.page) {
          frame.removeAttribute('data-page');
          await (mode === 'image' ? loadImage(c.page) : loadWords(c.page));
          shown = c.page;
        }
      } catch (e) {
        caption.textContent = 'Page ' + c.page + ' could not be shown: ' + e.message;
        return;
      }
      var first = null;
      // A citation's boxes are in points, with its page's size in points
      // beside them; a page drawn from its words is in the parser's own
      // units (character cells for text). Fractions of the page agree.
      var pd = c.page_dimensions;
      var within = pd && pd.width > 0 && pd.height > 0 ? { w: pd.width, h: pd.height } : size;
      c.bounding_boxes.forEach(function (b) {
        var h = document.createElement('div');
        h.className = 'highlight';
        place(h, b, within);
        frame.appendChild(h);
        first = first || h;
      });
      frame.dataset.page = String(c.page);
      if (first) first.scrollIntoView({ block: 'nearest' });
    }

    document.addEventListener('click', function (e) {
      var btn = e.target.closest('button.value');
      if (!btn) return;
      document.querySelectorAll('button.value[aria-pressed="true"]').forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
      btn.setAttribute('aria-pressed', 'true');
      show(JSON.parse(btn.dataset.citations), btn.dataset.path);
    });
  }

  // Schema fields: validated by the server as they are typed, each problem
  // shown with the path it is at and a button that finds it in the text.
  function schemaLive() {
    var ta = document.querySelector('textarea[data-validate]');
    if (!ta) return;
    var out = document.getElementById('schema-status');
    var timer = 0, seq = 0;

    function locate(path) {
      var text = ta.value, pos = 0, end = 0;
      path.split('/').slice(1).forEach(function (tok) {
        tok = tok.replace(/~1/g, '/').replace(/~0/g, '~');
        var i = text.indexOf('"' + tok + '"', pos);
        if (i >= 0) { pos = i; end = i + tok.length + 2; }
      });
      ta.focus();
      ta.setSelectionRange(pos, Math.max(end, pos));
    }

    function render(problems) {
      out.className = 'schema-status';
      ta.setAttribute('aria-invalid', 'true');
      var ul = document.createElement('ul');
      problems.forEach(function (p) {
        var li = document.createElement('li');
        if (p.path) {
          var b = document.createElement('button');
          b.type = 'button';
          b.className = 'value';
          var code = document.createElement('code');
          code.textContent = p.path;
          b.appendChild(code);
          b.setAttribute('aria-label', 'Find ' + p.path + ' in the schema');
          b.addEventListener('click', function () { locate(p.path); });
          li.appendChild(b);
          li.appendChild(document.createTextNode(' '));
        }
        li.appendChild(document.createTextNode(p.message));
        ul.appendChild(li);
      });
      out.replaceChildren(document.createTextNode('The schema has problems:'), ul);
    }

    async function check() {
      var text = ta.value.trim(), mine = ++seq;
      if (!text) { out.replaceChildren(); ta.removeAttribute('aria-invalid'); return; }
      try { JSON.parse(text); } catch (e) { render([{ path: '', message: 'Not valid JSON: ' + e.message }]); return; }
      try {
        var res = await fetch(ta.dataset.validate, {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf(), Accept: 'application/json' },
          body: '{"data_schema":' + text + '}'
        });
        var body = await res.json();
        if (mine !== seq) return;
        if (!res.ok) { render([{ path: '', message: body.detail || res.statusText }]); return; }
        if (body.valid) {
          out.className = 'schema-status ok';
          out.textContent = 'The schema is valid.';
          ta.removeAttribute('aria-invalid');
        } else {
          render(body.problems);
        }
      } catch (e) {
        out.textContent = 'The schema could not be checked: ' + e.message;
      }
    }

    ta.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(check, 400); });
    if (ta.value.trim()) check();
  }

  liveRows();
  liveJob();
  viewer();
  schemaLive();
})();
