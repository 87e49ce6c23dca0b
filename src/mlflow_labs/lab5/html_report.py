"""A small static HTML page per lab 5 run: the step table and the screenshots, openable from reports/."""

from __future__ import annotations

import html
import os
import time
from pathlib import Path

STYLE = ("body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
         ".passed{color:#176f2c}.failed{color:#b00020;font-weight:bold}img{max-width:100%;border:1px solid #ccc}"
         "figure{margin:1.5em 0}")


def write_html(report, shots: Path) -> Path:
    """``shots``/report.html, linking the screenshots by relative path (the folder can be copied as is)."""
    shots = Path(shots)
    shots.mkdir(parents=True, exist_ok=True)
    out = shots / "report.html"
    esc = html.escape
    rows = "\n".join(
        f"<tr><td>{esc(r.step)}</td><td>{esc(r.where)}</td><td class='{esc(r.status)}'>{esc(r.status)}</td>"
        f"<td>{r.seconds:.1f}</td><td>{esc(r.detail)}</td></tr>" for r in report.rows)
    phases = ", ".join(f"{esc(k)} {v:.1f} s" for k, v in report.phases.items())
    figures = "\n".join(
        f"<figure><img src='{esc(os.path.relpath(p, shots))}' alt='{esc(Path(p).stem)}'>"
        f"<figcaption>{esc(Path(p).stem)}</figcaption></figure>"
        for p in report.files if Path(p).exists())
    status = "PASSED" if report.ok else "FAILED"
    error = f"<p class='failed'>error: {esc(report.error)}</p>" if report.error else ""
    out.write_text(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{esc(report.lab)}: {status}</title><style>{STYLE}</style></head>
<body><h1>{esc(report.lab)}: <span class="{'passed' if report.ok else 'failed'}">{status}</span></h1>
<p>{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(report.started))}; phases: {phases}</p>{error}
<table><tr><th>step</th><th>where</th><th>status</th><th>s</th><th>detail</th></tr>
{rows}
</table>
<h2>Screenshots</h2>
{figures or '<p>none were taken</p>'}
</body></html>
""")
    return out
