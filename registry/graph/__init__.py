"""The data-flow graph: built from the database for one scope (build.py, the only part
that reads it), analysed by pure functions over networkx (duplicates, overlap, flows),
and turned into findings (findings.py)."""
