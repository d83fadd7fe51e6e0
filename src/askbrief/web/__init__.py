"""The web UI (Gradio) and its HTTP API (`/ask`): the page, rendering answers, uploads and
the server's launch. Imports every library wing it needs; never `cli/`."""
