"""The submodels of one step, one module each, run in the order of
:data:`platsim.core.model.PHASES`.

Every phase is a function ``step(model) -> None`` operating on whole arrays of the model's
workers, firms and municipalities; none loops in Python over agents.
"""
