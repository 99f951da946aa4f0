"""datatrove PipelineSteps curator adds: readers, writers, counters, and the base of curator's filters."""
