"""What the MLflow UI shows, read off the page in one JavaScript pass each: the first row of the runs table,
the compare page's tables, the traces plotly drew. Pure reading; lab5/comparators.py judges what is read."""

from __future__ import annotations

FIRST_ROW_NAMES = """() => [...document.querySelectorAll(".ag-row[row-index='0']")]
    .flatMap(r => r.innerText.split("\\n").map(t => t.trim()))"""


def first_row_names(page, names: list[str]) -> list[str]:
    """Run names in the row the table shows first (AG Grid's row-index 0, not DOM order)."""
    return [t for t in page.evaluate(FIRST_ROW_NAMES) if t in names]


# The compare page's "Run details" table: one row per field (its label in a <th>), one <td> per run, the
# columns in the order of the "Run Name:" row. Read as {row label: [cell text, ...]} in one pass.
COMPARE_ROWS = """() => Object.fromEntries([...document.querySelectorAll("tr")]
    .filter(tr => tr.querySelector("th") && tr.querySelector("td"))
    .map(tr => [tr.querySelector("th").innerText.trim(),
                [...tr.querySelectorAll("td")].map(td => td.innerText.trim())]))"""
# Its metrics are two virtualized grids (MLflow 3.17): the names (each a "Plot chart" link), and the values,
# one absolutely placed cell per (metric, run). Rows by `top`, runs by `left`, in the table's column order.
COMPARE_METRICS = """() => {
    const grids = [...document.querySelectorAll('.ReactVirtualized__Grid__innerScrollContainer')];
    const names = grids.find(g => g.querySelector('a[title="Plot chart"]'));
    const values = grids.find(g => g !== names && g.children.length);
    if (!names || !values) return {};
    const cells = g => [...g.children].map(c => ({top: parseFloat(c.style.top) || 0,
                                                   left: parseFloat(c.style.left) || 0, text: c.innerText.trim()}));
    const keys = cells(names).sort((a, b) => a.top - b.top).map(c => c.text);
    const rows = {};
    for (const c of cells(values)) (rows[c.top] = rows[c.top] || []).push(c);
    const ordered = Object.keys(rows).map(Number).sort((a, b) => a - b)
        .map(t => rows[t].sort((a, b) => a.left - b.left).map(c => c.text));
    return Object.fromEntries(keys.map((k, i) => [k, ordered[i] || []]));
}"""



def plot_data(page) -> list[dict]:
    """The traces plotly drew in the visible plot: what the person sees as points and boxes."""
    return page.evaluate("""() => {
        const gd = [...document.querySelectorAll('.js-plotly-plot')].find(e => e.offsetParent !== null);
        return gd && gd.data ? gd.data.map(t => ({type: t.type, name: t.name || '', x: [...(t.x || [])],
                                                  y: [...(t.y || [])], text: [...(t.text || [])]})) : [];
    }""")


# The traces of the plot inside one chart card: the innermost element holding both the chart's title and a plot.
CHART_DATA = """(title) => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(e => e.offsetParent !== null);
    const cards = plots.map(p => { let e = p.parentElement;
        while (e && ![...e.querySelectorAll('*')].some(x => x.children.length === 0 && x.innerText
                                                         && x.innerText.trim() === title)) e = e.parentElement;
        return e ? {plot: p, depth: e.querySelectorAll('*').length} : null; }).filter(Boolean);
    if (!cards.length) return null;
    const gd = cards.sort((a, b) => a.depth - b.depth)[0].plot;
    return (gd.data || []).map(t => ({name: t.name || '', y: [...(t.y || [])]}));
}"""
