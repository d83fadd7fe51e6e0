"""Who may: the users file, password sign-in, and what each role may do in the web UI.

Imports only the shared top-level modules.
"""
