/**
 * The page's only style sheet and script, inlined: the report opens from disk with no network.
 * Static text only; no report or trace data is ever interpolated here.
 */
export const STYLE = `
:root{--fg:#1d232b;--mut:#5f6b7a;--bg:#fff;--pan:#f5f7fa;--line:#dde3ea;--acc:#2458c6;
--rd:#aab4c0;--wr:#2f6fdb;--cw:#8a3fd1;--ij:#e07b00;--bad:#c9302c;--ok:#23854a;--fp:#d19a00;--fault:#e05a00}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header.top{position:sticky;top:0;z-index:5;background:#14202e;color:#fff;padding:8px 20px;display:flex;gap:20px;align-items:baseline;flex-wrap:wrap}
header.top h1{font-size:16px;margin:0;font-weight:600}
header.top nav a{color:#cfe0ff;margin-right:14px;text-decoration:none}
header.top .verdict{margin-left:auto;font-weight:600}
main{padding:4px 20px 40px;max-width:1600px}
h2{font-size:18px;margin:26px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:0}
code,.mono,.log,.strip,.bl{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
.cards{display:grid;grid-template-columns:repeat(3,104px);gap:8px;margin:6px 0}
.card{background:var(--pan);border:1px solid var(--line);border-radius:6px;padding:5px 10px}
.card b{display:block;font-size:20px;line-height:1.2}
.card span{color:var(--mut);font-size:12px}
.card.bad b{color:var(--bad)}.card.good b{color:var(--ok)}
.cols{display:flex;gap:28px;flex-wrap:wrap;align-items:flex-start}
.cols h3{margin-top:6px}
table{border-collapse:collapse;margin:6px 0}
th,td{text-align:left;padding:4px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--mut);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
dl.facts{display:grid;grid-template-columns:max-content minmax(100px,1fr);flex:1 1 260px;max-width:500px;gap:2px 12px;margin:6px 0;align-content:start}
dl.facts dt{color:var(--mut)}dl.facts dd{margin:0}
.bar{display:inline-block;height:8px;background:var(--bad);border-radius:2px;vertical-align:middle;margin-left:6px}
.muted{color:var(--mut)}
.never{margin:6px 0;padding:8px 10px;background:#fff5f4;border:1px solid #f3c2c0;border-radius:6px}
.never code{display:inline-block;margin:1px 6px 1px 0}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff}
.pill.fail{background:var(--bad)}.pill.crash{background:#7a1c99}.pill.pass{background:var(--ok)}
.replay{display:flex;gap:6px;align-items:flex-start;min-width:0}
.replay pre.cmd{flex:1 1 auto;min-width:0;margin:0;white-space:pre;overflow-x:auto;background:var(--pan);border:1px solid var(--line);border-radius:4px;padding:4px 8px}
button.copy,button.tog{font:12px system-ui,sans-serif;border:1px solid var(--line);background:#fff;border-radius:4px;padding:2px 8px;cursor:pointer}
button.copy:hover,button.tog:hover{border-color:var(--acc);color:var(--acc)}
ul.vlist{margin:0;padding-left:16px}
ol.failures{list-style:none;margin:6px 0;padding:0;border-top:1px solid var(--line)}
li.failure{display:grid;grid-template-columns:minmax(150px,max-content) minmax(0,1fr) max-content;grid-template-areas:"who what link" "replay replay replay";gap:6px 16px;padding:8px 4px;border-bottom:1px solid var(--line)}
li.failure .who{grid-area:who;white-space:nowrap}
li.failure .what{grid-area:what;min-width:0}
li.failure .link{grid-area:link}
li.failure .replay{grid-area:replay}
li.failure .defects{color:var(--mut)}
.defect{white-space:nowrap}
section.tl{border:1px solid var(--line);border-radius:8px;margin:16px 0;padding:10px 12px;background:#fff}
section.tl{scroll-margin-top:44px}
section{scroll-margin-top:40px}
section.tl > header{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin-bottom:6px}
section.tl > header .replay{flex:1 1 500px}
.legend{display:flex;gap:4px 12px;flex-wrap:wrap;align-items:center;color:var(--mut);font-size:12px;margin:6px 0 2px}
.legend span{display:inline-flex;gap:5px;align-items:center}
.legend .hint{font-style:italic}
svg.minimap{display:block;width:100%;height:28px;margin:6px 0 8px;background:var(--pan);border-radius:4px}
svg.minimap rect.mb{fill:#c9d6e8}svg.minimap rect.mb.odd{fill:#b3c6df}
svg.minimap rect.mb.birth{fill:#dfe5ec}svg.minimap rect.mb.liveness{fill:#cbe7d3}svg.minimap rect.mb.liveness.odd{fill:#b2dbbf}
svg.minimap rect.mb.judgment{fill:#f3c2c0}svg.minimap rect.mb:hover{fill:var(--acc)}
svg.minimap line.tk{stroke-width:2px;vector-effect:non-scaling-stroke}
svg.minimap line.death{stroke:var(--bad)}svg.minimap line.fp{stroke:var(--fp)}svg.minimap line.fault{stroke:var(--fault)}
details.more summary{display:inline;cursor:pointer;color:var(--acc);font-size:12px}
details.more ul{margin:4px 0;padding-left:16px;font-size:12px}
ol.bands{list-style:none;margin:0;padding:0}
li.band{border-top:1px solid var(--line)}
li.band:target{outline:2px solid var(--acc);outline-offset:-2px}
li.band.flagged{background:#fff5f4}
li.band.died{box-shadow:inset 4px 0 0 var(--bad)}
li.band.liveness{background:#f4fbf6}
li.band.liveness.flagged{background:#fdf3ee}
li.band.judgment{background:#fff5f4}
li.band > details > summary{display:grid;grid-template-columns:minmax(300px,420px) 1fr;gap:10px;padding:4px 6px;cursor:pointer;list-style:none}
li.band > details > summary::-webkit-details-marker{display:none}
.bl{display:flex;flex-direction:column;gap:1px;min-width:0}
.bl .l1{display:flex;gap:6px;align-items:baseline;min-width:0;white-space:nowrap}
.bl .bt{font-weight:700;font-size:13px;flex:none}
.bl .bt::before{content:"▸ ";color:var(--mut)}
details[open] > summary .bt::before{content:"▾ "}
.bl .bo{overflow:hidden;text-overflow:ellipsis;min-width:0}
.bl .l2{color:var(--mut);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.phase{flex:none;display:inline-block;width:max-content;font-size:11px;color:#23704a;border:1px solid #9fd3b2;border-radius:8px;padding:0 6px}
.badge{display:inline-block;width:max-content;max-width:100%;font-size:11px;color:#fff;background:var(--bad);border-radius:3px;padding:0 5px;margin-top:1px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.badge.known{background:#8a94a3}
.strip{display:flex;flex-wrap:wrap;gap:2px 3px;align-items:center;align-content:flex-start;min-width:0}
.m{display:inline-block;width:8px;height:14px;border-radius:1px}
.m.wr{background:var(--wr)}
.m.cw{background:var(--cw);width:10px;height:10px;transform:rotate(45deg);margin:0 1px}
.m.ij{background:repeating-linear-gradient(45deg,var(--ij) 0 2px,#fff 2px 4px);outline:1px solid var(--ij)}
.m.rd{background:var(--rd);width:3px;height:12px}
.m.no{background:#fff;outline:2px solid var(--cw);outline-offset:-2px}
.m.err{outline:2px solid var(--bad);outline-offset:0}
.m.rd.err{background:var(--bad)}
.m:hover{filter:brightness(.7)}
.rds{display:inline-flex;gap:1px;padding:1px 2px;border-radius:2px;background:#eef1f5}
.ev{display:inline-block;font-size:11px;border-radius:3px;padding:0 4px;white-space:nowrap;max-width:100%;overflow:hidden;text-overflow:ellipsis}
.ev.spawn{color:var(--ok);border:1px solid #9fd3b2}
.ev.death{color:#fff;background:var(--bad);font-weight:700}
.ev.fp{color:#5b4300;background:#ffe8a3;border:1px solid var(--fp)}
.ev.fault{color:#fff;background:var(--fault)}
.ev.turn{color:var(--acc);border:1px dashed var(--acc)}
.ev.note{color:var(--mut);border:1px solid var(--line);background:var(--pan)}
.ev.verdict{color:#fff;background:var(--bad);font-size:12px;padding:1px 6px}
.ev.verdict.known{background:#8a94a3}
.pid{font-size:10px;color:var(--mut);border-left:2px solid var(--mut);padding-left:2px}
ol.log{margin:2px 6px 8px 20px;padding:6px 6px 6px 56px;background:var(--pan);border-radius:4px;white-space:pre-wrap;word-break:break-all}
ol.log li::marker{color:var(--mut)}
ol.log li.rd{color:var(--mut)}ol.log li.wr{color:var(--wr)}ol.log li.cw{color:var(--cw)}ol.log li.ij{color:var(--ij)}
ol.log li.death,ol.log li.verdict{color:var(--bad);font-weight:700}ol.log li.fp{color:#8a6500;font-weight:700}
ol.log li.fault{color:var(--fault);font-weight:700}ol.log li.op,ol.log li.result{font-weight:700}
ul.violations{list-style:none;margin:6px 0;padding:0;font-size:13px}
li.violation{border-top:1px solid var(--line);padding:6px 4px}
li.violation .vh{margin-bottom:2px}
li.violation .code{font-weight:700}
li.violation .at{color:var(--mut);margin-left:6px}
li.violation .eo{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:2px 20px}
li.violation .eo > div{min-width:0;overflow-wrap:anywhere}
li.violation .lbl{color:var(--mut);font-size:11px;text-transform:uppercase;letter-spacing:.03em;margin-right:4px}
li.violation.known{color:var(--mut)}
.heat td.c{text-align:right;font-variant-numeric:tabular-nums;min-width:74px}
.heat td.z{background:#fde2e0;color:var(--bad);font-weight:700}
.heat td.h1{background:#e6f0fb}.heat td.h2{background:#c7dcf5}.heat td.h3{background:#9fc2ee}.heat td.h4{background:#6ea3e3}.heat td.h5{background:#3f83d6;color:#fff}
.heat sup{color:#8a6500;font-weight:700;margin-left:3px}
.heat th.grp{background:var(--pan);color:var(--fg);text-transform:none;font-size:12px}
footer{color:var(--mut);font-size:12px;margin-top:30px}
`;

/** Copy buttons, expand/collapse all, and opening the band a link points at. */
export const SCRIPT = `
(() => {
  const copyText = (btn, text) => {
    const done = () => {
      btn.textContent = "copied";
    };
    const fallback = () => {
      const ta = document.createElement("textarea");
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      try {
        document.execCommand("copy");
        done();
      } catch {
        btn.textContent = "select + copy";
      }
      document.body.removeChild(ta);
    };
    if (navigator.clipboard?.writeText) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  };
  const openTarget = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    const el = id ? document.getElementById(id) : null;
    const d = el?.classList.contains("band") ? el.querySelector("details") : null;
    if (d) d.open = true;
  };
  document.addEventListener("click", (ev) => {
    const t = ev.target;
    if (!(t instanceof Element)) return;
    const c = t.closest("button.copy");
    const code = c?.parentNode.querySelector("code");
    if (c && code) {
      copyText(c, code.textContent);
      return;
    }
    const g = t.closest("button.tog");
    if (!g) return;
    const open = g.getAttribute("data-open") !== "1";
    for (const d of g.closest("section").querySelectorAll("li.band > details")) d.open = open;
    g.setAttribute("data-open", open ? "1" : "0");
    g.textContent = open ? "collapse all" : "expand all";
  });
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
`;
