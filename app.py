"""Launcher for the askbrief web UI: `python app.py [--host H] [--port P] …` runs the installed
`askbrief ui` command itself (askbrief.cli.ui), so both take the same options."""

from askbrief.cli.ui import ui

if __name__ == "__main__":
    ui(prog_name="python app.py")
