// coursekit-citations: the course bibliography's labels for MyST citations in JupyterLab.
//
// jupyterlab-myst has no bibliography, so it renders {cite:t}`nocedal2006` as
//   <span class="cite-group narrative"><span class="text-yellow-600" title="Citation Not Found"><svg/>nocedal2006</span></span>
// This plugin replaces the key by the label the website prints ("Nocedal and Wright [2006]"; for
// {cite:p} "[Bell and Sejnowski, 1995]"), drops the warning icon, underlines the label with dots and
// puts the full reference in its tooltip. The labels come from references.json, which book/lab/install.py writes beside this file from
// book/references.bib. A key that is not in the bibliography keeps its warning.
//
// There is no build step: this file is a module-federation container written by hand. JupyterLab loads
// it, calls init() with its shared scope (nothing is shared: the plugin needs no JupyterLab token),
// then get('./extension') and activates the plugin returned. It only edits text and attributes of the
// nodes jupyterlab-myst rendered, never adds or removes nodes, so React's later updates stay valid;
// when React re-renders a cell, the MutationObserver labels the new nodes.
(function () {
  'use strict';
  var NAME = 'coursekit-citations';
  var WARNING = 'Citation Not Found';
  var script = document.currentScript;
  var base = script && script.src ? script.src.replace(/[?#].*$/, '').replace(/[^/]*$/, '') : '';
  var refs = null;
  var scheduled = false;

  function textNode(el) {
    for (var i = el.childNodes.length - 1; i >= 0; i--) {
      if (el.childNodes[i].nodeType === Node.TEXT_NODE) return el.childNodes[i];
    }
    return null;
  }

  function labelGroup(group) {
    var parenthetical = group.classList.contains('parenthetical');
    var labelled = false;
    Array.prototype.forEach.call(group.children, function (el) {
      if (el.getAttribute('data-coursekit-cite') === null && el.getAttribute('title') !== WARNING) return;
      var node = textNode(el);
      var key = el.getAttribute('data-coursekit-cite') || (node ? node.nodeValue.trim() : '');
      var ref = Object.prototype.hasOwnProperty.call(refs, key) ? refs[key] : null;
      if (!ref || !node) return;
      var text = parenthetical ? ref.p : ref.t;
      el.setAttribute('data-coursekit-cite', key);
      el.setAttribute('title', ref.title);
      el.classList.remove('text-yellow-600');
      el.style.textDecoration = 'underline dotted';
      Array.prototype.forEach.call(el.querySelectorAll('svg'), function (svg) {
        svg.style.display = 'none';
      });
      if (node.nodeValue !== text) node.nodeValue = text;
      labelled = true;
    });
    if (labelled && parenthetical) {
      // jupyterlab-myst's stylesheet draws the group's brackets from these variables (default round);
      // the site's author_year style uses square ones, and separates keys with '; ' as myst does.
      group.style.setProperty('--cite-group-open', '"["');
      group.style.setProperty('--cite-group-close', '"]"');
    }
  }

  function labelAll() {
    scheduled = false;
    Array.prototype.forEach.call(document.querySelectorAll('.cite-group'), labelGroup);
  }

  function schedule() {
    if (!scheduled) {
      scheduled = true;
      window.requestAnimationFrame(labelAll);
    }
  }

  var plugin = {
    id: NAME + ':plugin',
    description: 'Author-year labels and full references for MyST citations, from the course bibliography.',
    autoStart: true,
    activate: function () {
      fetch(base + 'references.json', { credentials: 'same-origin' })
        .then(function (response) {
          if (!response.ok) throw new Error('HTTP ' + response.status + ' for ' + response.url);
          return response.json();
        })
        .then(function (data) {
          refs = data;
          labelAll();
          new MutationObserver(schedule).observe(document.body, {
            childList: true,
            subtree: true,
            characterData: true
          });
        })
        .catch(function (err) {
          console.error(NAME + ': could not load the course bibliography: ' + err);
        });
    }
  };

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = {
    init: function () {
      return Promise.resolve();
    },
    get: function (module) {
      if (module !== './extension') {
        return Promise.reject(new Error(NAME + ' has no module ' + module));
      }
      return Promise.resolve(function () {
        return { __esModule: true, default: plugin };
      });
    }
  };
})();
