"""The build machinery: everything that makes a build fast, kept apart from the pure core.

    recipe.py   the one recipe `check`, `build` and `serve` all run
    store.py    what one build keeps for the next (versioned; an older store is discarded)
    crew.py     the worker processes a large build forks (the one fork helper)
    writer.py   the one writer: every file goes into the site through it, atomically
    index.py    the search index (Pagefind), run over what the writer wrote
    digest.py   the one hash helper
    collector.py  when Python's cycle collector waits (a build holds millions of objects)
    kept.py     what a process made last, kept with what it was made from (serve reuses it)
    spill.py    the letters' readings held between analysis and making, most of them on disk

The core (records, letters, corpus, site, pages, validate, export) takes data and returns
data; it never imports this package (tests/test_architecture.py holds that line).
"""
