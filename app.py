"""Launcher for the askbrief web UI: `python app.py [--host H] [--port P] …`, the same as the
installed `askbrief ui`; both call askbrief.ui_launch.main."""

from askbrief.ui_launch import main

if __name__ == "__main__":
    main()
