"""What the page shows, as pure functions and state: HTML, the form, run reports."""
