"""The report's appendix: the full comparison table, every scenario and outcome, filterable.

The table is :func:`platsim.analysis.compare.display_table` (means and paired differences with
their 95% intervals, relative change, verdict). Each row carries its scenario and verdict as
``data-`` attributes; a few lines of inline script (no library, nothing fetched, so the report
stays one offline file) show the rows of one scenario, or only the clear differences. Without
script every row shows.
"""

from __future__ import annotations

import html

import pandas as pd

from platsim.analysis.compare import display_table
from platsim.analysis.figures import table_html

#: Shows the rows of the chosen scenario (all when empty), only the clear ones if ticked.
SCRIPT = """
(function () {
  var pick = document.getElementById("appendix-scenario");
  var clear = document.getElementById("appendix-clear");
  var count = document.getElementById("appendix-count");
  var rows = document.querySelectorAll("#appendix-table tr[data-scenario]");
  function filter() {
    var shown = 0;
    rows.forEach(function (row) {
      var unclear = ["no clear difference", "baseline"].indexOf(row.dataset.verdict) >= 0;
      var show = (!pick.value || row.dataset.scenario === pick.value) &&
        !(clear.checked && unclear);
      row.hidden = !show;
      shown += show ? 1 : 0;
    });
    count.textContent = shown + " of " + rows.length + " rows shown";
  }
  pick.addEventListener("change", filter);
  clear.addEventListener("change", filter);
  filter();
})();
"""


def section(table: pd.DataFrame) -> str:
    """The appendix: heading, how to read the table, the filters, the table and its script."""
    shown = display_table(table)
    baseline = html.escape(str(table.attrs.get("baseline", "the baseline")))
    at = html.escape(str(table.attrs.get("at", "")))
    options = "".join(
        f'<option value="{html.escape(arm)}">{html.escape(arm)}</option>'
        for arm in dict.fromkeys(shown["scenario"])
    )
    outcomes = shown["outcome"].nunique()
    scenarios = shown["scenario"].nunique()
    return (
        f'<h2 id="appendix">Appendix: the full comparison with {baseline} ({at})</h2>'
        f"<p>{len(shown):,} rows: {outcomes} outcomes x {scenarios} scenarios. Mean over "
        "replications with its 95% t-interval; difference from the baseline paired by "
        "replication (same seeds) with its 95% t-interval; verdict from the outcome's better "
        "direction when the paired interval excludes 0 (the same numbers as "
        "<code>platsim compare</code>).</p>"
        '<p class="filters"><label>Scenario <select id="appendix-scenario">'
        f'<option value="">all</option>{options}</select></label> '
        '<label><input type="checkbox" id="appendix-clear"> clear differences only</label> '
        '<span id="appendix-count" class="note"></span></p>'
        f'<div id="appendix-table">{table_html(shown, "verdict", ("scenario", "verdict"))}</div>'
        f"<script>{SCRIPT}</script>"
    )
