"""Launcher for the askbrief web UI: `python app.py [--host H] [--port P]`."""

from askbrief.ui import main

if __name__ == "__main__":
    main()
