"""cibgraph.detect"""
