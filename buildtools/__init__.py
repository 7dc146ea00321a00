"""Build, serve, test and bench LocalLoom; stdlib only, so build.py runs before any venv exists."""
