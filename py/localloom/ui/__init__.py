"""DOM binding and the run of a task: the page controller, its dispatcher, the settings panel."""
