"""The `askbrief` command: click commands that parse, call the library and print.

A front end: imports any library wing (and `web/` to serve it); nothing imports `cli/`
except `askbrief.__main__` and the top-level `app.py`.
"""
