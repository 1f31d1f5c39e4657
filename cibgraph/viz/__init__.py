"""cibgraph.viz"""
