// Glue between the ipywidgets HTML manager (vendored by book/vendor/fetch.sh) and this site.
// Loaded after require.js and before embed-amd.js.
(function () {
  // 1. The manager loads its fonts from beside the URL RequireJS gives its module: point that at the
  //    vendored copy, found from require.js's own URL so it works at any page depth and base path.
  var s = document.querySelector('script[src*="vendor/require.js"]');
  if (s && window.require) {
    var base = s.src.replace(/require\.js.*$/, "");
    window.require.config({paths: {"@jupyter-widgets/html-manager/dist": base + "html-manager"}});
  }
  // 2. Widgets typeset labels with MathJax 2's MathJax.Hub.Queue; the site runs MathJax 3.
  //    MathJax 3 has replaced its global by DOMContentLoaded (it loads deferred), and widgets render
  //    on window load, so add the MathJax 2 entry point in between.
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (mj && !mj.Hub && mj.typesetPromise) {
      mj.Hub = {Queue: function (job) {
        var el = Array.isArray(job) ? job[2] : undefined;
        mj.typesetPromise(el ? [el] : undefined).catch(function () {});
      }};
    }
  });
})();
