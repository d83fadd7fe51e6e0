"""Launcher for the askbrief web UI: `python app.py [--host H] [--port P] …`, the same as the
installed `askbrief ui`; both call askbrief.web.launch.main."""

from askbrief.web.launch import main

if __name__ == "__main__":
    main()
