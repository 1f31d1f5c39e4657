"""cibgraph.ingest"""
