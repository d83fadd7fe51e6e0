"""Launcher for the askbrief web UI: `python app.py [--host H] [--port P] …`, the same as the
installed `askbrief ui`; both call askbrief.ui.main."""

from askbrief.ui import main

if __name__ == "__main__":
    main()
