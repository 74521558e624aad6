"""Analysis of a batch's results: paired comparisons, sensitivity indices, the HTML report.

- :mod:`platsim.analysis.compare`: each scenario against a baseline over common seeds.
- :mod:`platsim.analysis.sensitivity`: Sobol or Morris indices of a design's outcomes.
- :mod:`platsim.analysis.report`: one offline HTML file of the comparison and its figures;
  its sections :mod:`~platsim.analysis.scorecard` (first), :mod:`~platsim.analysis.per_euro`
  (the scorecard's effects per million EUR of public cost), :mod:`~platsim.analysis.places`
  (EPCIs that gain and lose, by name), :mod:`~platsim.analysis.inequality` and
  :mod:`~platsim.analysis.appendix` (the full table, last).
- :mod:`platsim.analysis.patterns`: runs' outcomes against France's stylised facts (a
  pattern file's targets and tolerances), for ``platsim patterns``.
"""
