"""cibgraph.api"""
