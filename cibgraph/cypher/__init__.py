"""cibgraph.cypher"""
