"""Analysis of a batch's results: paired comparisons, sensitivity indices, the HTML report.

- :mod:`platsim.analysis.compare`: each scenario against a baseline over common seeds.
- :mod:`platsim.analysis.sensitivity`: Sobol or Morris indices of a design's outcomes.
- :mod:`platsim.analysis.report`: one offline HTML file of the comparison and its figures.
"""
