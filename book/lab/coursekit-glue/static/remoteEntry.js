// coursekit-glue: myst-nb's glued values in JupyterLab, taken from the notebook's own outputs.
//
// The chapters put every computed number into their prose with myst-nb's glue: a code cell calls
// glue("key", value, display=False), which displays an output whose metadata is
//   {"scrapbook": {"name": "key", "mime_prefix": "application/papermill.record/"}}
// and whose data holds the value's mime bundle under that prefix; the markdown says {glue:text}`key:.3g`.
// jupyterlab-myst knows no glue role: it renders one as <span>key:.3g</span>, and a glue directive as a red
// "Unknown Directive" box. This plugin finds the glue roles and directives in each rendered markdown cell
// (from the cell's source, matched in order to those spans and boxes), looks the key up in the outputs of
// the same notebook's code cells, and shows what the website shows:
//
//   {glue:text}`key:spec`    text/plain, formatted as myst-nb's format_plain_text does (Python's
//                            ast.literal_eval, then format(value, spec), with int() or float() first for
//                            an integer or a float presentation type); formatPlainText below
//   {glue}`key` ({glue:any}) the first of myst-nb's HTML render priority present; text/plain as written
//   {glue:md}`key`           the text/markdown source, as text
//   ```{glue:figure} key``` (and {glue}, {glue:any}, {glue:math}, {glue:md} directives): the output,
//                            rendered by the notebook's own renderers, with the caption below it
//
// Before the cell that glues a key has run there is no value: the role shows "[run the cells above]" in
// grey with the key in its tooltip, never the key itself. Values follow the outputs: re-running a cell
// (or clearing its outputs) updates every place its keys appear. Not done: a complex number is shown as
// recorded, unformatted (marked, with the reason in its tooltip); a key glued in another notebook
// (doc::key) says where it comes from; figures are not numbered ("Fig. 3") as on the site.
//
// Like coursekit-citations there is no build step: this file is a module-federation container written
// by hand, which needs no JupyterLab token (the plugin gets the application object, whose shell lists the
// open notebooks). It edits the text and attributes of the nodes jupyterlab-myst rendered; the only nodes
// it adds are its own (the figure after a hidden directive box, an image inside a {glue} role), which
// React never references, so React's later updates stay valid. It re-applies itself after every change
// of the page (a MutationObserver) and of a notebook's content.
(function () {
  'use strict';
  var NAME = 'coursekit-glue';
  var PENDING = '[run the cells above]';
  var PENDING_FIGURE = '[run the cells above to see this figure]';
  // myst-nb's render priority for HTML builders (myst_nb.core.render.base_render_priority), without the
  // widget and JavaScript types, which a glued value does not carry.
  var PRIORITY = ['text/html', 'image/svg+xml', 'image/png', 'image/gif', 'image/jpeg', 'text/markdown',
                  'text/latex', 'text/plain'];

  // ---------------------------------------------------------------------------------------------------
  // Python's format() for the values myst-nb formats (myst_nb.core.variables.format_plain_text)
  // ---------------------------------------------------------------------------------------------------

  function FormatError(message) {
    this.name = 'FormatError';
    this.message = message;
  }
  FormatError.prototype = Object.create(Error.prototype);

  // A Python value: {type: 'int', v: BigInt} | {type: 'float', v: Number} | {type: 'bool', v: Boolean}
  // | {type: 'str', v: String} | {type: 'none'} | {type: 'object', text: String} (tuple, list, complex...)
  var INT_LITERAL = /^[+-]?[ \t]*(?:[1-9](?:_?\d)*|0(?:_?0)*)$/;
  var BASE_LITERAL = /^([+-]?)[ \t]*0(?:([xX])(?:_?[0-9a-fA-F])+|([oO])(?:_?[0-7])+|([bB])(?:_?[01])+)$/;
  var DIGITS = '\\d(?:_?\\d)*';
  var FLOAT_LITERAL = new RegExp('^[+-]?[ \\t]*(?:' + DIGITS + '\\.(?:' + DIGITS + ')?(?:[eE][+-]?' + DIGITS +
                                 ')?|\\.' + DIGITS + '(?:[eE][+-]?' + DIGITS + ')?|' + DIGITS + '[eE][+-]?' +
                                 DIGITS + ')$');
  var PY_FLOAT = new RegExp('^[+-]?(?:(?:' + DIGITS + '(?:\\.(?:' + DIGITS + ')?)?|\\.' + DIGITS + ')(?:[eE][+-]?' +
                            DIGITS + ')?|inf|infinity|nan)$', 'i');

  function stringLiteral(s) {
    // A Python str literal as repr() writes it (optionally r/u-prefixed, single or double quotes).
    var m = /^([rRuU]?)('|")([\s\S]*)\2$/.exec(s);
    if (!m || m[3].indexOf('\n') >= 0) return null;
    var raw = m[1] === 'r' || m[1] === 'R', quote = m[2], body = m[3], out = '';
    for (var i = 0; i < body.length; i++) {
      var c = body[i];
      if (c === quote) return null;                       // an unescaped quote: not one literal
      if (c !== '\\') { out += c; continue; }
      var n = body[i + 1];
      if (n === undefined) return null;
      if (raw) { out += c + n; i++; continue; }
      var simple = {'\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t',
                    v: '\v', '\n': ''};
      if (Object.prototype.hasOwnProperty.call(simple, n)) { out += simple[n]; i++; continue; }
      var hex = {x: 2, u: 4, U: 8}[n];
      if (hex) {
        var h = body.substr(i + 2, hex);
        if (!new RegExp('^[0-9a-fA-F]{' + hex + '}$').test(h)) return null;
        out += String.fromCodePoint(parseInt(h, 16));
        i += 1 + hex;
        continue;
      }
      var o = /^[0-7]{1,3}/.exec(body.slice(i + 1));
      if (o) { out += String.fromCodePoint(parseInt(o[0], 8)); i += o[0].length; continue; }
      out += c + n;                                       // an unknown escape stays as written
      i++;
    }
    return out;
  }

  // ast.literal_eval(text), for what repr() writes; any other text is the text itself (a str), as in myst-nb.
  function literal(text) {
    var s = String(text).replace(/^[ \t]+/, '').replace(/\s+$/, '');
    if (INT_LITERAL.test(s)) return {type: 'int', v: BigInt(s.replace(/[ \t_]/g, '').replace(/^\+/, ''))};
    var b = BASE_LITERAL.exec(s);
    if (b) {
      var mag = BigInt(s.replace(/^[+-]?[ \t]*/, '').replace(/_/g, '').toLowerCase());
      return {type: 'int', v: b[1] === '-' ? -mag : mag};
    }
    if (FLOAT_LITERAL.test(s)) return {type: 'float', v: Number(s.replace(/[ \t_]/g, ''))};
    if (s === 'True' || s === 'False') return {type: 'bool', v: s === 'True'};
    if (s === 'None') return {type: 'none'};
    var str = stringLiteral(s);
    if (str !== null) return {type: 'str', v: str};
    if (/^[([{]/.test(s) && !/[<>]/.test(s.replace(/'[^']*'|"[^"]*"/g, '')) ||
        /^[+-]?[\d.]+(?:[eE][+-]?\d+)?[jJ]$/.test(s) || /^[bB][rR]?('|")/.test(s)) {
      return {type: 'object', text: s};
    }
    return {type: 'str', v: String(text)};
  }

  // The exact decimal expansion of a finite double x > 0: x = 0.d × 10^e, d without leading or trailing zeros.
  var expansions = new Map();
  function exactDigits(x) {
    var hit = expansions.get(x);
    if (hit) return hit;
    if (expansions.size > 2000) expansions.clear();
    hit = exactExpansion(x);
    expansions.set(x, hit);
    return hit;
  }

  function exactExpansion(x) {
    var view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    var hi = view.getUint32(0), lo = view.getUint32(4);
    var bexp = (hi >>> 20) & 0x7ff;
    var mant = (BigInt(hi & 0xfffff) << BigInt(32)) | BigInt(lo);
    if (bexp === 0) bexp = 1; else mant |= BigInt(1) << BigInt(52);
    var e2 = bexp - 1075, s, point;
    if (e2 >= 0) {
      s = (mant << BigInt(e2)).toString();
      point = s.length;
    } else {
      s = (mant * BigInt(5) ** BigInt(-e2)).toString();   // x = mant·5^k / 10^k with k = −e2
      point = s.length + e2;
    }
    var trimmed = s.replace(/0+$/, '');
    return {d: trimmed, e: point};
  }

  // Keep the first n digits of 0.d × 10^e, rounding half to even on the exact value (as Python does).
  function roundDigits(d, e, n) {
    if (n >= d.length) return {d: d, e: e};
    if (n < 0) return {d: '', e: e};
    var kept = d.slice(0, n), rest = d.slice(n), up;
    if (rest[0] !== '5') up = rest[0] > '5';
    else if (rest.length > 1) up = true;                   // d has no trailing zeros: more than half
    else up = n > 0 && Number(kept[n - 1]) % 2 === 1;      // exactly half: to even
    if (up) {
      var a = kept.split(''), i = n - 1;
      while (i >= 0 && a[i] === '9') { a[i] = '0'; i--; }
      if (i < 0) { a.unshift('1'); e += 1; } else a[i] = String(Number(a[i]) + 1);
      kept = a.join('');
    }
    return {d: kept.replace(/0+$/, ''), e: e};
  }

  // The shortest digits that read back as x (Python's repr and JavaScript's String agree on them).
  function shortestDigits(x) {
    var m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
    var whole = m[1], frac = m[2] || '', exp = m[3] ? Number(m[3]) : 0;
    var all = whole + frac, lead = all.match(/^0*/)[0].length;
    return {d: all.slice(lead).replace(/0+$/, ''), e: whole.length + exp - lead};
  }

  // Lay digits out as CPython's format_float_short does: the digits 0.d × 10^decpt, padded with zeros to
  // vEnd digits after the first, in exponent form if useExp; alt keeps a trailing point; addDot0 writes
  // an integer with '.0'.
  function layout(d, decpt, useExp, vEnd, alt, addDot0) {
    var exp = 0;
    if (useExp) { exp = decpt - 1; decpt = 1; }
    var vStart = decpt <= 0 ? decpt - 1 : 0;
    if (!useExp && addDot0) vEnd = Math.max(vEnd, decpt + 1);
    else vEnd = Math.max(vEnd, decpt);
    var zeros = function (n) { return n > 0 ? new Array(n + 1).join('0') : ''; };
    var s = '';
    if (decpt <= 0) s += zeros(decpt - vStart) + '.' + zeros(-decpt);
    else s += zeros(-vStart);
    if (decpt > 0 && decpt <= d.length) s += d.slice(0, decpt) + '.' + d.slice(decpt);
    else s += d;
    if (d.length < decpt) s += zeros(decpt - d.length) + '.' + zeros(vEnd - decpt);
    else s += zeros(vEnd - d.length);
    if (s[s.length - 1] === '.' && !alt) s = s.slice(0, -1);
    if (useExp) s += 'e' + (exp < 0 ? '-' : '+') + (Math.abs(exp) < 10 ? '0' : '') + Math.abs(exp);
    return s;
  }

  // |x| formatted without sign, for type in '', e, f, g ('' with precision null is repr).
  function floatBody(x, type, precision, alt) {
    if (isNaN(x)) return 'nan';
    if (!isFinite(x)) return 'inf';
    x = Math.abs(x);
    var zero = x === 0, r;
    if (type === '' && precision === null) {
      r = zero ? {d: '0', e: 1} : shortestDigits(x);
      return layout(r.d, r.e, r.e <= -4 || r.e > 16, r.d.length, alt, true);
    }
    var ex = zero ? {d: '0', e: 1} : exactDigits(x);
    if (type === 'e') {
      r = zero ? ex : roundDigits(ex.d, ex.e, precision + 1);
      return layout(r.d, r.e, true, precision + 1, alt, false);
    }
    if (type === 'f') {
      r = zero ? ex : roundDigits(ex.d, ex.e, ex.e + precision);
      if (r.d === '') r = {d: '', e: -precision};        // rounds to zero: no digits, as dtoa's mode 3
      return layout(r.d, r.e, false, r.e + precision, alt, false);
    }
    // 'g', or '' with a precision (like 'g', but an integer keeps '.0')
    var p = precision === 0 ? 1 : precision, addDot0 = type === '';
    r = zero ? ex : roundDigits(ex.d, ex.e, p);
    var useExp = r.e <= -4 || r.e > (addDot0 ? p - 1 : p);
    return layout(r.d, r.e, useExp, alt ? p : r.d.length, alt, addDot0);
  }

  var SPEC = /^(?:([\s\S])?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

  function parseSpec(spec) {
    var m = SPEC.exec(spec);
    if (!m) {
      if (/\.(?!\d)/.test(spec)) throw new FormatError('Format specifier missing precision');
      throw new FormatError('Invalid format specifier');
    }
    return {fill: m[1], align: m[2], sign: m[3] || '-', z: !!m[4], alt: !!m[5], zero: !!m[6],
            width: m[7] ? Number(m[7]) : 0, grouping: m[8] || '', precision: m[9] !== undefined ? Number(m[9]) : null,
            type: m[10] || ''};
  }

  function codePoints(s) { return Array.from(s); }

  function pad(body, width, fill, align, before) {
    // body: the text to pad; before: for '=', the sign and prefix, which go before the padding
    before = before || '';
    var n = width - codePoints(before).length - codePoints(body).length;
    if (n <= 0) return before + body;
    var fillN = function (k) { return new Array(k + 1).join(fill); };
    if (align === '<') return before + body + fillN(n);
    if (align === '^') return before + fillN(Math.floor(n / 2)) + body + fillN(n - Math.floor(n / 2));
    if (align === '=') return before + fillN(n) + body;
    return fillN(n) + before + body;
  }

  // Insert separators every `size` digits from the right; with minWidth, pad with grouped leading zeros
  // to at least that width (zero padding with grouping), never starting with a separator.
  function group(digits, sep, size, minWidth) {
    var out = '', remaining = digits.length, pos = digits.length, useSep = false;
    for (;;) {
      var l = Math.min(size, Math.max(remaining, minWidth, 1));
      var zeros = Math.max(0, l - remaining), chars = Math.max(0, Math.min(remaining, l));
      out = new Array(zeros + 1).join('0') + digits.slice(pos - chars, pos) + (useSep ? sep : '') + out;
      pos -= chars;
      useSep = true;
      remaining -= chars;
      minWidth -= l;
      if (remaining <= 0 && minWidth <= 0) return out;
      minWidth -= sep.length;
    }
  }

  function formatNumber(neg, digits, rest, prefix, f) {
    // digits: the integer digits (grouped); rest: point, fraction, exponent or '%'; f: the parsed spec
    var sign = neg ? '-' : (f.sign === '+' ? '+' : f.sign === ' ' ? ' ' : '');
    var fill = f.fill !== undefined ? f.fill : ' ', align = f.align || '>';
    if (f.zero && f.fill === undefined) {
      fill = '0';
      if (!f.align) align = '=';
    }
    var size = f.grouping === '_' && /[boxX]/.test(f.type) ? 4 : 3;
    var zeroPad = fill === '0' && align === '=';
    if (digits.length && (f.grouping || zeroPad)) {
      var minWidth = zeroPad ? f.width - sign.length - prefix.length - codePoints(rest).length : 0;
      digits = f.grouping ? group(digits, f.grouping, size, minWidth) : group(digits, '', Infinity, minWidth);
    }
    if (align === '=') return pad(digits + rest, f.width, fill, '=', sign + prefix);
    return pad(sign + prefix + digits + rest, f.width, fill, align);
  }

  function formatInt(v, f) {
    if (f.precision !== null) throw new FormatError('Precision not allowed in integer format specifier');
    if (f.z) throw new FormatError('Negative zero coercion (z) not allowed in integer format specifier');
    var t = f.type;
    if ('bcdoxXn'.indexOf(t) < 0) throw new FormatError("Unknown format code '" + t + "' for object of type 'int'");
    if (f.grouping && (t === 'c' || t === 'n' || (f.grouping === ',' && /^[boxX]$/.test(t)))) {
      throw new FormatError("Cannot specify '" + f.grouping + "' with '" + t + "'.");
    }
    var neg = v < BigInt(0), mag = neg ? -v : v, digits, prefix = '';
    if (t === 'c') {
      if (f.signGiven) throw new FormatError("Sign not allowed with integer format specifier 'c'");
      if (f.alt) throw new FormatError("Alternate form (#) not allowed with integer format specifier 'c'");
      if (neg || v > BigInt(0x10ffff)) throw new FormatError('%c arg not in range(0x110000)');
      return formatNumber(false, String.fromCodePoint(Number(v)), '', '', f);
    }
    var base = {b: 2, o: 8, x: 16, X: 16}[t] || 10;
    digits = mag.toString(base);
    if (t === 'X') digits = digits.toUpperCase();
    if (f.alt && base !== 10) prefix = '0' + (t === 'X' ? 'X' : t);
    return formatNumber(neg, digits, '', prefix, f);
  }

  function formatFloat(x, f) {
    var t = f.type;
    if ('eEfFgGn%'.indexOf(t) < 0) throw new FormatError("Unknown format code '" + t + "' for object of type 'float'");
    if (f.grouping && t === 'n') throw new FormatError("Cannot specify '" + f.grouping + "' with 'n'.");
    var lower = t.toLowerCase(), type = lower === 'n' ? 'g' : lower === '%' ? 'f' : lower;
    var precision = f.precision !== null ? f.precision : (t === '' ? null : 6);
    var value = t === '%' ? x * 100 : x;
    var body = floatBody(value, type, precision, f.alt);
    var neg = !isNaN(value) && (value < 0 || Object.is(value, -0));
    if (neg && f.z && /^[0.]*(e[-+]\d+)?$/.test(body)) neg = false;
    if (t === '%') body += '%';
    if (t === 'E' || t === 'F' || t === 'G') body = body.toUpperCase();
    var m = /^(\d*)([\s\S]*)$/.exec(body);
    return formatNumber(neg, m[1], m[2], '', f);
  }

  function formatStr(s, f) {
    if (f.type !== '' && f.type !== 's') throw new FormatError("Unknown format code '" + f.type + "' for object of type 'str'");
    if (f.signGiven) throw new FormatError('Sign not allowed in string format specifier');
    if (f.z) throw new FormatError('Negative zero coercion (z) not allowed in format specifier');
    if (f.alt) throw new FormatError('Alternate form (#) not allowed in string format specifier');
    if (f.align === '=') throw new FormatError("'=' alignment not allowed in string format specifier");
    if (f.grouping) throw new FormatError("Cannot specify '" + f.grouping + "' with 's'.");
    var text = f.precision !== null ? codePoints(s).slice(0, f.precision).join('') : s;
    var fill = f.fill !== undefined ? f.fill : (f.zero ? '0' : ' ');
    return pad(text, f.width, fill, f.align || '<');
  }

  function toInt(value) {
    switch (value.type) {
      case 'int': return value.v;
      case 'bool': return BigInt(value.v ? 1 : 0);
      case 'float':
        if (isNaN(value.v)) throw new FormatError('cannot convert float NaN to integer');
        if (!isFinite(value.v)) throw new FormatError('cannot convert float infinity to integer');
        return BigInt(Math.trunc(value.v));
      case 'str':
        var s = value.v.trim();
        if (/^[+-]?\d(?:_?\d)*$/.test(s)) return BigInt(s.replace(/_/g, '').replace(/^\+/, ''));
        throw new FormatError('invalid literal for int() with base 10: ' + JSON.stringify(value.v));
      default:
        throw new FormatError('int() argument must be a string or a real number');
    }
  }

  function toFloat(value) {
    switch (value.type) {
      case 'float': return value.v;
      case 'bool': return value.v ? 1 : 0;
      case 'int':
        var x = Number(value.v);
        if (!isFinite(x)) throw new FormatError('int too large to convert to float');
        return x;
      case 'str':
        var s = value.v.trim();
        if (!PY_FLOAT.test(s)) throw new FormatError('could not convert string to float: ' + JSON.stringify(value.v));
        var l = s.toLowerCase().replace(/^[+-]/, '');
        var neg = s[0] === '-';
        if (l === 'inf' || l === 'infinity') return neg ? -Infinity : Infinity;
        if (l === 'nan') return NaN;
        return Number(s.replace(/_/g, ''));
      default:
        throw new FormatError('float() argument must be a string or a real number');
    }
  }

  function str(value) {
    switch (value.type) {
      case 'int': return value.v.toString();
      case 'float': return (value.v < 0 || Object.is(value.v, -0) ? '-' : '') + floatBody(value.v, '', null, false);
      case 'bool': return value.v ? 'True' : 'False';
      case 'none': return 'None';
      case 'str': return value.v;
      default: return value.text;
    }
  }

  // myst_nb.core.variables.format_plain_text(text, spec): throws FormatError where Python raises.
  var formatted = new Map();
  function formatPlainText(text, spec) {
    var key = spec + '\u0000' + text, hit = formatted.get(key);
    if (hit === undefined) {
      try {
        hit = {text: formatUncached(text, spec)};
      } catch (err) {
        if (!(err instanceof FormatError)) throw err;
        hit = {error: err};
      }
      if (formatted.size > 2000) formatted.clear();
      formatted.set(key, hit);
    }
    if (hit.error) throw hit.error;
    return hit.text;
  }

  function formatUncached(text, spec) {
    var value = literal(text);
    if (spec === '') return str(value);
    var t = spec[spec.length - 1];
    if (t === 's') value = {type: 'str', v: str(value)};
    else if ('bcdoxX'.indexOf(t) >= 0) value = {type: 'int', v: toInt(value)};
    else if ('eEfFgGn%'.indexOf(t) >= 0) value = {type: 'float', v: toFloat(value)};
    var f = parseSpec(spec);
    f.signGiven = SPEC.exec(spec)[3];
    switch (value.type) {
      case 'int': return formatInt(value.v, f);
      case 'bool': return formatInt(BigInt(value.v ? 1 : 0), f);
      case 'float': return formatFloat(value.v, f);
      case 'str': return formatStr(value.v, f);
      default: throw new FormatError('unsupported format string passed to ' + value.type + '.__format__');
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Glue roles and directives in a markdown cell's source
  // ---------------------------------------------------------------------------------------------------

  var ROLE_NAMES = {glue: 'any', 'glue:': 'any', 'glue:any': 'any', 'glue:text': 'text', 'glue:md': 'md'};
  var DIRECTIVE_NAMES = {glue: 'any', 'glue:': 'any', 'glue:any': 'any', 'glue:figure': 'figure',
                         'glue:math': 'math', 'glue:md': 'md'};
  // directives whose body is not markdown: a role in it is text
  var LITERAL_DIRECTIVES = /^(code|code-block|sourcecode|code-cell|math|raw|mermaid|csv-table|literalinclude|graphviz)$/;
  var FENCE = /^ {0,3}(`{3,}|~{3,}|:{3,})(.*)$/;

  function scanRoles(s, out) {
    var i = 0;
    var run = function (k) { var n = 0; while (s[k + n] === '`') n++; return n; };
    while (i < s.length) {
      var c = s[i];
      if (c === '\\') { i += 2; continue; }
      if (c !== '`') { i++; continue; }
      var n = run(i), j = i + n, close = -1;
      while (j < s.length) {
        if (s[j] !== '`') { j++; continue; }
        var m = run(j);
        if (m === n) { close = j; break; }
        j += m;
      }
      if (close < 0) { i += n; continue; }
      var name = /\{([A-Za-z0-9_:+-]+)\}$/.exec(s.slice(Math.max(0, i - 40), i));
      if (name && Object.prototype.hasOwnProperty.call(ROLE_NAMES, name[1])) {
        out.push({kind: ROLE_NAMES[name[1]], content: s.slice(i + n, close)});
      }
      i = close + n;
    }
  }

  function closes(line, fence) {
    var m = /^ {0,3}(`{3,}|~{3,}|:{3,})\s*$/.exec(line);
    return !!m && m[1][0] === fence[0] && m[1].length >= fence.length;
  }

  function directiveOptions(body) {
    // the option lines (":name: value", or a YAML block between '---' lines) at the start of a body
    var options = {}, i = 0;
    if (body.length && /^---\s*$/.test(body[0])) {
      for (i = 1; i < body.length && !/^---\s*$/.test(body[i]); i++) {
        var y = /^\s*([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$/.exec(body[i]);
        if (y) options[y[1]] = y[2].replace(/^(['"])(.*)\1$/, '$2');
      }
      i = Math.min(i + 1, body.length);
    } else {
      for (; i < body.length; i++) {
        var o = /^\s*:([A-Za-z_][\w-]*):\s*(.*?)\s*$/.exec(body[i]);
        if (!o) break;
        options[o[1]] = o[2];
      }
    }
    return {options: options, rest: body.slice(i).join('\n').trim()};
  }

  // {roles: [{kind, content}], directives: [{kind, arg, options, caption}]}, in document order
  function parseGlue(source) {
    var lines = String(source).split(/\r?\n/), roles = [], directives = [], text = [], stack = [];
    var flush = function () { if (text.length) scanRoles(text.join('\n'), roles); text = []; };
    for (var i = 0; i < lines.length;) {
      var line = lines[i];
      if (stack.length && closes(line, stack[stack.length - 1])) {
        flush();
        stack.pop();
        i++;
        continue;
      }
      var m = FENCE.exec(line);
      if (!m) { text.push(line); i++; continue; }
      flush();
      var fence = m[1], d = /^\s*\{([^}\s]+)\}\s*(.*?)\s*$/.exec(m[2]);
      if (fence[0] === ':' && !d) { text.push(line); i++; continue; }   // not a colon-fence directive
      if (fence[0] === '`' && m[2].indexOf('`') >= 0) { text.push(line); i++; continue; }  // inline code
      var content = !!d && !LITERAL_DIRECTIVES.test(d[1]) && !DIRECTIVE_NAMES.hasOwnProperty(d[1]);
      if (content) { stack.push(fence); i++; continue; }
      var j = i + 1;
      while (j < lines.length && !closes(lines[j], fence)) j++;
      if (d && DIRECTIVE_NAMES.hasOwnProperty(d[1])) {
        var body = directiveOptions(lines.slice(i + 1, j));
        directives.push({kind: DIRECTIVE_NAMES[d[1]], arg: d[2], options: body.options, caption: body.rest});
      }
      i = j + 1;
    }
    flush();
    return {roles: roles, directives: directives};
  }

  // ---------------------------------------------------------------------------------------------------
  // Values from the notebook's outputs, and what a role shows
  // ---------------------------------------------------------------------------------------------------

  function asText(v) { return Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : JSON.stringify(v); }

  // key → {data, metadata, trusted}: the last glue output of each key, in notebook order (as myst-nb)
  function gluedValues(notebookModel) {
    var values = new Map();
    var cells = notebookModel.cells;
    for (var c = 0; c < cells.length; c++) {
      var cell = cells.get(c);
      if (cell.type !== 'code' || !cell.outputs) continue;
      for (var i = 0; i < cell.outputs.length; i++) {
        var out = cell.outputs.get(i), meta = out.metadata || {}, scrap = meta.scrapbook;
        if (!scrap || typeof scrap.name !== 'string') continue;
        var prefix = scrap.mime_prefix || '', data = {};
        Object.keys(out.data || {}).forEach(function (k) {
          data[k.indexOf(prefix) === 0 ? k.slice(prefix.length) : k] = out.data[k];
        });
        values.set(scrap.name, {data: data, metadata: meta, trusted: out.trusted !== false});
      }
    }
    return values;
  }

  function splitLast(content) {
    var at = content.lastIndexOf(':');
    return at < 0 ? [content, null] : [content.slice(0, at), content.slice(at + 1)];
  }

  // What a role shows: {text} or {mime, value} (rendered), with a tooltip and a state for the style.
  function resolveRole(kind, content, values) {
    var key = content, spec = null;
    if (kind !== 'any') {
      var parts = splitLast(content);
      key = parts[0];
      spec = parts[1];
    }
    if (content.indexOf('::') >= 0) {
      return {text: '[computed in ' + content.split('::')[0] + ']', state: 'pending',
              title: 'Glued from another notebook (' + content + '); open that one to see it.'};
    }
    var value = values.get(key);
    if (!value) {
      return {text: PENDING, state: 'pending',
              title: 'Computed by a code cell of this notebook (glue key \u201c' + key + '\u201d): ' +
                     'run the cells above to see it.'};
    }
    var title = 'Computed in this notebook (glue key \u201c' + key + '\u201d)';
    if (kind === 'text') {
      if (!('text/plain' in value.data)) {
        return {text: '[no text for \u201c' + key + '\u201d]', state: 'error', title: title + ': it has no text/plain.'};
      }
      var plain = asText(value.data['text/plain']);
      try {
        return {text: formatPlainText(plain, spec === null ? 's' : spec), state: 'value', title: title};
      } catch (err) {
        return {text: plain, state: 'error',
                title: title + '; could not format it as \u201c' + spec + '\u201d: ' + err.message};
      }
    }
    if (kind === 'md') {
      if (!('text/markdown' in value.data)) {
        return {text: '[no markdown for \u201c' + key + '\u201d]', state: 'error', title: title + ': it has no text/markdown.'};
      }
      return {text: asText(value.data['text/markdown']), state: 'value', title: title};
    }
    var mime = PRIORITY.filter(function (m) { return m in value.data; })[0];
    if (!mime) return {text: '[nothing to show for \u201c' + key + '\u201d]', state: 'error', title: title};
    if (mime === 'text/plain') return {text: asText(value.data['text/plain']), state: 'value', title: title};
    return {mime: mime, value: value, state: 'value', title: title};
  }

  // ---------------------------------------------------------------------------------------------------
  // The DOM: spans and "Unknown Directive" boxes that jupyterlab-myst rendered
  // ---------------------------------------------------------------------------------------------------

  var OURS = 'data-coursekit-glue-node';       // on every node this plugin adds
  var parsed = new Map();                      // source → parseGlue(source), for the sources seen lately

  function parse(source) {
    var hit = parsed.get(source);
    if (hit) return hit;
    hit = parseGlue(source);
    if (parsed.size > 500) parsed.clear();
    parsed.set(source, hit);
    return hit;
  }

  function setAttr(el, name, value) {
    if (value === null) { if (el.hasAttribute(name)) el.removeAttribute(name); }
    else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function reactText(el) {
    var t = '';
    for (var n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === Node.TEXT_NODE) t += n.nodeValue;
    return t;
  }

  // the role text a span stands for: its own text, unless that is what we wrote into it
  function rawOf(el) {
    var mine = el._coursekitGlue, text = reactText(el);
    return mine && text === mine.shown ? mine.raw : text;
  }

  function setText(el, text) {
    var nodes = [];
    for (var n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === Node.TEXT_NODE) nodes.push(n);
    if (!nodes.length) { el.insertBefore(document.createTextNode(text), el.firstChild); return; }
    if (nodes[0].nodeValue !== text) nodes[0].nodeValue = text;
    for (var i = 1; i < nodes.length; i++) if (nodes[i].nodeValue !== '') nodes[i].nodeValue = '';
  }

  function removeOurChildren(el) {
    Array.prototype.slice.call(el.children).forEach(function (c) { if (c.hasAttribute(OURS)) c.remove(); });
  }

  // Render a mime bundle with the notebook's renderers into a fresh element (asynchronously).
  function renderInto(host, mime, value, rendermime, options) {
    var model = {data: value.data, metadata: value.metadata, trusted: value.trusted,
                 setData: function () {}};
    var renderer;
    try {
      renderer = rendermime.createRenderer(mime);
    } catch (err) {
      host.textContent = asText(value.data['text/plain'] || '');
      return;
    }
    renderer.node.setAttribute(OURS, '');
    host.appendChild(renderer.node);
    Promise.resolve(renderer.renderModel(model)).then(function () {
      var img = renderer.node.querySelector('img');
      if (img && options) {
        if (options.alt) img.setAttribute('alt', options.alt);
        if (options.width) img.style.width = options.width;
        if (options.height) img.style.height = options.height;
      }
    }).catch(function (err) {
      console.warn(NAME + ': could not render ' + mime + ': ' + err);
    });
  }

  function applyRole(el, role, values, rendermime) {
    var r = resolveRole(role.kind, role.content, values);
    var mine = el._coursekitGlue || (el._coursekitGlue = {});
    if (r.mime) {
      var sig = r.mime + '\u0000' + asText(r.value.data[r.mime]);
      setText(el, '');
      if (mine.sig !== sig || !el.querySelector('[' + OURS + ']')) {
        removeOurChildren(el);
        var box = document.createElement('span');
        box.setAttribute(OURS, '');
        box.className = 'coursekit-glue-inline';
        el.appendChild(box);
        renderInto(box, r.mime, r.value, rendermime, null);
        mine.sig = sig;
      }
    } else {
      if (el.querySelector('[' + OURS + ']')) removeOurChildren(el);
      mine.sig = null;
      setText(el, r.text);
    }
    mine.raw = role.content;
    mine.shown = r.mime ? '' : r.text;
    setAttr(el, 'data-coursekit-glue', role.content);
    setAttr(el, 'title', r.title);
    setAttr(el, 'class', 'coursekit-glue coursekit-glue-' + r.state);
  }

  function captionMarkdown(caption, values) {
    // the caption's glue roles replaced by their text (a rendered value has none: its key's placeholder)
    return caption.replace(/\{(glue(?::[A-Za-z]*)?)\}(`+)([\s\S]*?)\2/g, function (all, name, ticks, content) {
      var kind = ROLE_NAMES[name];
      if (!kind) return all;
      var r = resolveRole(kind, content, values);
      if (r.state === 'pending') return '*' + PENDING + '*';
      var text = r.mime ? asText(r.value.data['text/plain'] || '') : r.text;
      return text.replace(/[\\`*_{}\[\]<>#|~$]/g, '\\$&');
    });
  }

  function applyDirective(box, dir, values, rendermime) {
    if (box.style.display !== 'none') box.style.display = 'none';
    setAttr(box, 'data-coursekit-glue-hidden', dir.arg);
    var fig = box._coursekitFigure;
    if (!fig || box.nextSibling !== fig) {
      if (fig) fig.remove();
      fig = document.createElement('figure');
      fig.setAttribute(OURS, '');
      fig.setAttribute('data-coursekit-glue-figure', dir.arg);
      fig.className = 'coursekit-glue-figure';
      fig._coursekitAnchor = box;
      box._coursekitFigure = fig;
      box.parentNode.insertBefore(fig, box.nextSibling);
    }
    var want = {any: null, figure: null, math: 'text/latex', md: 'text/markdown'}[dir.kind];
    var key = dir.arg, value = values.get(key), mime = null;
    if (value) mime = want ? (want in value.data ? want : null) : PRIORITY.filter(function (m) { return m in value.data; })[0];
    var caption = dir.kind === 'figure' ? captionMarkdown(dir.caption, values) : '';
    var sig = [key, mime, mime ? asText(value.data[mime]) : '', caption, JSON.stringify(dir.options)].join('\u0000');
    if (fig._coursekitSig === sig) return;
    fig._coursekitSig = sig;
    while (fig.firstChild) fig.removeChild(fig.firstChild);
    var body = document.createElement('div');
    body.className = 'coursekit-glue-figure-body';
    fig.appendChild(body);
    if (mime) {
      body.title = 'Computed in this notebook (glue key \u201c' + key + '\u201d)';
      renderInto(body, mime, value, rendermime, dir.options);
    } else {
      body.className += ' coursekit-glue-pending';
      body.textContent = value ? '[nothing to show for \u201c' + key + '\u201d]' : PENDING_FIGURE;
      body.title = 'Drawn by a code cell of this notebook (glue key \u201c' + key + '\u201d): run the cells above to see it.';
    }
    if (caption) {
      var cap = document.createElement('figcaption');
      fig.appendChild(cap);
      var md = {data: {'text/markdown': caption}, metadata: {}, trusted: true};
      renderInto(cap, 'text/markdown', md, rendermime, null);
    }
  }

  function isNotebookPanel(w) {
    return !!(w && w.content && w.content.model && w.content.widgets && w.content.rendermime &&
              w.content.model.cells && typeof w.content.model.cells.get === 'function');
  }

  function updateCell(cell, values, rendermime) {
    var myst = cell.node.querySelector('.myst');
    if (!myst) return;
    var glue = parse(cell.model.sharedModel.getSource());
    if (glue.roles.length) {
      var spans = Array.prototype.filter.call(myst.querySelectorAll('span'), function (el) {
        return el._coursekitGlue ? true : el.attributes.length === 0 && el.children.length === 0;
      });
      var j = 0;
      glue.roles.forEach(function (role) {
        var k = j, want = role.content.trim();
        while (k < spans.length && rawOf(spans[k]).trim() !== want) k++;
        if (k === spans.length) return;                 // not rendered (e.g. inside a code block)
        applyRole(spans[k], role, values, rendermime);
        j = k + 1;
      });
    }
    var boxes = Array.prototype.filter.call(myst.querySelectorAll('details'), function (el) {
      var code = el.querySelector('summary code');
      return !!code && /^glue(:\w*)?$/.test(code.textContent.trim()) && /Unknown Directive/.test(el.textContent);
    });
    var used = new Set(), b = 0;
    glue.directives.forEach(function (dir) {
      var k = b;
      while (k < boxes.length && DIRECTIVE_NAMES[boxes[k].querySelector('summary code').textContent.trim()] !== dir.kind) k++;
      if (k === boxes.length) return;
      applyDirective(boxes[k], dir, values, rendermime);
      used.add(boxes[k]);
      b = k + 1;
    });
    boxes.forEach(function (box) {                        // a box React reused for something else
      if (used.has(box) || !box.hasAttribute('data-coursekit-glue-hidden')) return;
      box.style.display = '';
      box.removeAttribute('data-coursekit-glue-hidden');
      if (box._coursekitFigure) box._coursekitFigure.remove();
      box._coursekitFigure = null;
    });
  }

  function update(shell) {
    var it = shell.widgets('main'), next;
    while (!(next = it.next()).done) {
      var panel = next.value;
      if (!isNotebookPanel(panel)) continue;
      var notebook = panel.content;
      if (panel._coursekitGlueModel !== notebook.model) {   // outputs can change with nothing drawn
        panel._coursekitGlueModel = notebook.model;
        notebook.model.contentChanged.connect(schedule);
      }
      var values = gluedValues(notebook.model);
      notebook.widgets.forEach(function (cell) {
        if (cell.model && cell.model.type === 'markdown') updateCell(cell, values, notebook.rendermime);
      });
    }
    // figures whose directive box React removed
    Array.prototype.forEach.call(document.querySelectorAll('[data-coursekit-glue-figure]'), function (fig) {
      var box = fig._coursekitAnchor;
      if (!box || !box.isConnected || box.nextSibling !== fig || box._coursekitFigure !== fig) fig.remove();
    });
  }

  var STYLE = [
    '.coursekit-glue-pending { color: var(--jp-ui-font-color2, #757575); font-style: italic; font-size: 0.9em;',
    '  cursor: help; }',
    '.coursekit-glue-error { text-decoration: underline wavy var(--jp-warn-color1, #f57c00); cursor: help; }',
    '.coursekit-glue-inline img { vertical-align: middle; }',
    'figure.coursekit-glue-figure { margin: 1em 0; text-align: center; }',
    'figure.coursekit-glue-figure .jp-RenderedImage { text-align: center; }',
    'figure.coursekit-glue-figure img { max-width: 100%; }',
    'figure.coursekit-glue-figure figcaption { font-size: 0.9em; margin-top: 0.5em; }',
    'div.coursekit-glue-figure-body.coursekit-glue-pending { padding: 1.5em;',
    '  border: 1px dashed var(--jp-border-color2, #e0e0e0); }'
  ].join('\n');

  var scheduled = false, shellRef = null;
  function run() {
    scheduled = false;
    try {
      update(shellRef);
    } catch (err) {
      console.error(NAME + ': ' + (err && err.stack || err));
    }
  }
  function schedule() {
    if (!scheduled && shellRef) {
      scheduled = true;
      window.requestAnimationFrame(run);
    }
  }

  var plugin = {
    id: NAME + ':plugin',
    description: 'Values glued by myst-nb shown in the markdown, from the notebook\u2019s own outputs.',
    autoStart: true,
    activate: function (app) {
      shellRef = app.shell;
      if (typeof shellRef.widgets !== 'function') {
        console.error(NAME + ': this JupyterLab shell does not list its widgets; glued values stay hidden');
        shellRef = null;
        return;
      }
      var style = document.createElement('style');
      style.id = NAME + '-style';
      style.textContent = STYLE;
      document.head.appendChild(style);
      new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true, characterData: true});
      if (shellRef.layoutModified) shellRef.layoutModified.connect(schedule);
      schedule();
    }
  };

  var modules = {
    './extension': {__esModule: true, default: plugin},
    // for tests/test_lab_glue.py: the pieces that need no JupyterLab
    './format': {formatPlainText: formatPlainText, parseGlue: parseGlue, FormatError: FormatError}
  };

  window._JUPYTERLAB = window._JUPYTERLAB || {};
  window._JUPYTERLAB[NAME] = {
    init: function () {
      return Promise.resolve();
    },
    get: function (module) {
      if (!Object.prototype.hasOwnProperty.call(modules, module)) {
        return Promise.reject(new Error(NAME + ' has no module ' + module));
      }
      return Promise.resolve(function () {
        return modules[module];
      });
    }
  };
})();
