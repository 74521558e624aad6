"""The model core: the Mesa model, its agents and platforms, the money ledger, the set-up and
the phases of a step. Nothing here imports the batch runner, the analysis, the CLI or the app.
"""
