"""Reading: article files into `Article` records, sentence-aware passages with offsets,
named entities, and the bundled model's embeddings (with its worker processes).

Imports only the shared modules at the package's top (config, records, text, dates, errors,
location); never a store, the question side or a front end.
"""
